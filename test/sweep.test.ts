// Sweeps: --param KEY=V1,V2 over scenario parameters.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyPoint, parseSweep, sweepPoints } from '../src/scenario/params.js';
import { resolveScenario } from '../src/scenario/builtin.js';
import { resolvePolicy } from '../src/engine/policies.js';
import { runStudy } from '../src/engine/study.js';

const ROOT = resolve(__dirname, '..');
const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), ...args], { cwd: ROOT, encoding: 'utf8' });
const tmp = () => mkdtempSync(join(tmpdir(), 'doorbell-sweep-'));

describe('sweep points', () => {
  it('are the cartesian product, first axis slowest', () => {
    expect(sweepPoints(parseSweep(['vm.ram=2GiB,4GiB', 'dma.churn=0,0.5']))).toEqual([
      { 'vm.ram': '2GiB', 'dma.churn': '0' }, { 'vm.ram': '2GiB', 'dma.churn': '0.5' },
      { 'vm.ram': '4GiB', 'dma.churn': '0' }, { 'vm.ram': '4GiB', 'dma.churn': '0.5' },
    ]);
  });
  it('rewrite the scenario: RAM, every dma phase, every workload, the guest mix', () => {
    const s = applyPoint(resolveScenario('d05-hw-msi-hotplug'), { 'vm.ram': '2GiB', 'dma.churn': '0.5', 'workload.buffers': '8', 'guests.runtime': '0.25' });
    expect(s.vm.ram).toBe(2n << 30n);
    expect(s.timeline.filter((e) => e.kind === 'dma').every((e) => e.kind === 'dma' && e.churn === 0.5)).toBe(true);
    expect(s.devices[0]!.workload.buffers).toBe(8);
    expect(s.guests.map((g) => [g.weight, g.honours.includes('runtime')])).toEqual([[0.25, true], [0.75, false]]);
  });
});

describe('vm.viommu as a sweep parameter', () => {
  it('sets the scenario field, and the vIOMMU guest is told where the other is refused (viommu-d05-hotplug, QEMU 9.1)', async () => {
    const points = sweepPoints(parseSweep(['vm.viommu=false,true']));
    expect(points).toEqual([{ 'vm.viommu': 'false' }, { 'vm.viommu': 'true' }]);
    const base = resolveScenario('viommu-d05-hotplug');
    expect(points.map((p) => applyPoint(base, p).vm.viommu)).toEqual([false, true]);
    const pairs = await runStudy({ scenarios: [base], policies: [resolvePolicy('viommu-guest-avoids')], trials: 10, seed: '1', points });
    expect(pairs.map((p) => [p.point, p.row.hotplug.k, p.row.hintChannels])).toEqual([
      ['vm.viommu=false', 0, ''],
      ['vm.viommu=true', 10, 'virtio-iommu-resv-mem 10'],
    ]);
  });
  it('takes a list, not a range', () => {
    expect(() => parseSweep(['vm.viommu=false..true'])).toThrow(/range of booleans/);
  });
});

describe('doorbell run --param', () => {
  it('finds the 3054 MiB boundary of Launchpad 1869006 and charts it', () => {
    const dir = join(tmp(), 'r');
    const r = cli('run', '--scenario', 'aarch64-guest-on-amd-host', '--param', 'vm.ram=3054MiB,3055MiB', '--trials', '150', '--out', dir, '--json');
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<{ policy: string; point: string; vm_start_ok: number; data_loss_trials: number; silent_loss_trials: number }>;
    const at = (p: string, point: string) => rows.find((x) => x.policy === p && x.point === point)!;
    expect(at('kernel-rejects', 'vm.ram=3054MiB').vm_start_ok).toBe(150);
    expect(at('kernel-rejects', 'vm.ram=3055MiB').vm_start_ok).toBe(0);
    expect(at('no-checks-2016', 'vm.ram=3054MiB').data_loss_trials).toBe(0);
    expect(at('no-checks-2016', 'vm.ram=3055MiB').data_loss_trials).toBeGreaterThan(0);
    // On an x86 host the MSI window is an interrupt-remapping fault in the host log: never silent.
    expect(at('no-checks-2016', 'vm.ram=3055MiB').silent_loss_trials).toBe(0);
    const report = readFileSync(join(dir, 'report-full.txt'), 'utf8');
    expect(report).toContain('no-checks-2016 first loses data at');
    // Titles carry the swept values (issue 15): the mail's subject, the full report's sections, a matrix row per value.
    const mail = readFileSync(join(dir, 'report.txt'), 'utf8');
    expect(mail.split('\n\n')[0]!.replace(/\n\s+/g, ' ')).toContain('vm.ram=3054MiB,3055MiB');
    expect(report).toContain('== aarch64-guest-on-amd-host (vm.ram=3054MiB,3055MiB) ==');
    expect(mail).toMatch(/^aarch64-guest-on-amd-host 3054MiB /m);
    expect(mail).toMatch(/^aarch64-guest-on-amd-host 3055MiB /m);
    for (const line of mail.split('\n')) expect(line.length).toBeLessThanOrEqual(72);
    expect(report.replace(/ \\\n\s+/g, ' ')).toContain('--param vm.ram=3054MiB,3055MiB');
    expect(readFileSync(join(dir, 'charts', 'sweep-aarch64-guest-on-amd-host.png')).subarray(1, 4).toString()).toBe('PNG');
    for (const line of report.split('\n')) expect(line.length).toBeLessThanOrEqual(72);
  });

  it('gives the same bytes with --jobs 1 and --jobs 2', () => {
    const dir = tmp();
    const args = ['run', '--scenario', 'd05-hw-msi-hotplug', '--param', 'workload.buffers=64,1024', '--param', 'guests.runtime=0,1', '--trials', '40'];
    expect(cli(...args, '--jobs', '1', '--out', join(dir, 'a')).status).toBe(0);
    expect(cli(...args, '--jobs', '2', '--out', join(dir, 'b')).status).toBe(0);
    for (const f of ['summary.csv', 'paired.csv', 'report.txt', 'charts/sweep-d05-hw-msi-hotplug.png']) {
      expect(readFileSync(join(dir, 'b', f)).equals(readFileSync(join(dir, 'a', f))), f).toBe(true);
    }
  });

  const bad: Array<[string[], string]> = [
    [['--param', 'vm.rom=2GiB'], "doorbell: --param: unknown parameter 'vm.rom' (did you mean 'vm.ram'?) — one of: vm.ram, vm.qemu, vm.viommu, host.kernel, workload.buffers, workload.buffer_size, workload.low_bias, workload.preset, workload.placement, workload.alignment, dma.operations, dma.churn, guests.runtime\n"],
    [['--param', 'dma.churn=2'], "doorbell: --param dma.churn: '2' is not a number from 0 to 1 — a number from 0 to 1\n"],
    [['--param', 'vm.ram='], 'doorbell: --param vm.ram: no values — vm.ram=V1,V2,...\n'],
    [['--param', 'vm.viommu=yes'], "doorbell: --param vm.viommu: 'yes' is not true or false — true or false\n"],
    [['--scenario', 'arm64-ram-at-zero', '--param', 'vm.ram=4GiB'], 'doorbell: --param vm.ram: scenario arm64-ram-at-zero lays RAM out explicitly — a scenario with machine virt, q35 or pc\n'],
  ];
  for (const [args, message] of bad) {
    it(`refuses ${args.join(' ')} in one line`, () => {
      const r = cli('run', ...args, '--out', join(tmp(), 'x'));
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(message);
    });
  }
});
