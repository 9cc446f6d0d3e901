// --find: thresholds found by bisection, the library's own numbers; ranges
// for --param; explain --param / --first-loss; sweeps that fail at once, the
// same in every shard.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gridValues, rangeGrid } from '../src/scenario/ranges.js';
import { parseSweep } from '../src/scenario/params.js';
import { findChanges, probe } from '../src/find/search.js';
import { resolveScenario } from '../src/scenario/builtin.js';
import { resolvePolicy } from '../src/engine/policies.js';
import { applyPoint } from '../src/scenario/params.js';
import { parseScenario } from '../src/scenario/load.js';
import { exactOverBudget } from '../src/scenario/work-budget.js';

const ROOT = resolve(__dirname, '..');
const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), ...args], { cwd: ROOT, encoding: 'utf8' });
const tmp = () => mkdtempSync(join(tmpdir(), 'doorbell-find-'));

describe('--find reproduces the library\'s thresholds', () => {
  it('aarch64 virt on AMD: start refused from 3055 MiB (Launchpad 1869006)', () => {
    const r = cli('run', '--scenario', 'aarch64-guest-on-amd-host', '--find', 'vm.ram=2GiB..4GiB');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('  kernel-rejects: start refused from 3055 MiB (0x40000000 + 3055 MiB covers 0xfee00000)\n');
    expect(r.stdout).toContain('  no-checks-2016: data loss > 0 from 3055 MiB (0x40000000 + 3055 MiB covers 0xfee00000)\n');
  });

  it('D05: hotplug refused from 2145 MiB', () => {
    const r = cli('run', '--scenario', 'd05-hw-msi-hotplug', '--policy', 'kernel-rejects', '--find', 'vm.ram=2GiB..4GiB');
    expect(r.stdout).toContain('  kernel-rejects: hotplug refused from 2145 MiB (0x40000000 + 2145 MiB covers 0xc6010000)\n');
  });

  it('AMD HT on QEMU 7.0: start refused from 1011 GiB; QEMU 7.1 relocates and never changes', () => {
    const r = cli('run', '--scenario', 'amd-ht-qemu70', '--scenario', 'amd-ht-qemu71', '--policy', 'kernel-rejects', '--find', 'vm.ram=1000GiB..1023GiB:1GiB');
    expect(r.stdout).toContain('amd-ht-qemu70 (exact)\n  kernel-rejects: start refused from 1011 GiB (0x100000000 + 1009 GiB covers 0xfd00000000)\n');
    expect(r.stdout).toContain('amd-ht-qemu71 (exact)\n  kernel-rejects: no change from 1000 GiB to 1023 GiB\n');
  });

  it('versions by list: the 1 TiB relocation arrives with 7.1 (hw/i386/pc.c)', () => {
    const r = cli('run', '--scenario', 'amd-ht-qemu70', '--policy', 'kernel-rejects', '--find', 'vm.qemu=6.2,7.0,7.1,8.0');
    expect(r.stdout).toContain('  kernel-rejects: starts from 7.1 (7.0: start refused)\n');
  });

  it('the boundary is exact: the values on both sides of it are what the outcome says', () => {
    const s = resolveScenario('aarch64-guest-on-amd-host');
    const p = resolvePolicy('kernel-rejects');
    expect(probe(applyPoint(s, { 'vm.ram': '3054MiB' }), p, 5, '1').start).toBe(true);
    expect(probe(applyPoint(s, { 'vm.ram': '3055MiB' }), p, 5, '1').start).toBe(false);
    const grid = rangeGrid('--find', 'vm.ram', 'size', '2GiB..4GiB');
    const { changes } = findChanges(s, 'vm.ram', grid, p, 5, '1');
    expect(changes).toEqual([{ outcome: 'start', index: 1007, from: true, to: false }]);
    expect(grid.at(1007)).toBe('3055MiB');
  });

  it('declared randomness is stated, and the rule applied', () => {
    const dir = tmp();
    const f = join(dir, 'maybe.yaml');
    writeFileSync(f, 'name: maybe\ntitle: t\nsource: s\ndescription: d\nhost: builtin:hisilicon-d05\nvm: { machine: virt, ram: 2GiB }\ndevices: [{ name: nic0, group: 3 }]\ntimeline: [{ start: { devices: [] } }, { hotplug: { device: nic0, chance: 0.5 } }]\n');
    const r = cli('run', '--scenario', f, '--policy', 'kernel-rejects', '--find', 'vm.ram=2GiB..3GiB', '--trials', '20');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('maybe (exact)\n  kernel-rejects: hotplug refused from 2145 MiB');
    // --simulate: the trial rule decides, and the scenario line says so.
    const sim = cli('run', '--scenario', f, '--policy', 'kernel-rejects', '--find', 'vm.ram=2GiB..3GiB', '--trials', '20', '--simulate');
    expect(sim.status, sim.stderr).toBe(0);
    expect(sim.stdout).toContain('trials (--simulate)');
    expect(sim.stdout).toContain('maybe (declared randomness: 20 trials per value)\n  kernel-rejects: hotplug refused from 2145 MiB');
  });

  it('the exact route sees a hotplug no trial drew; over the work budget, trials decide', () => {
    const yaml = (extra: string) => `name: rare\ntitle: t\nsource: s\ndescription: d\nhost: builtin:hisilicon-d05\nvm: { machine: virt, ram: 2GiB }\ndevices: [{ name: nic0, group: 3 }]\ntimeline:\n  - start: { devices: [] }\n  - hotplug: { device: nic0, chance: 0.001 }\n${extra}`;
    const p = resolvePolicy('kernel-rejects');
    const grid = rangeGrid('--find', 'vm.ram', 'size', '2GiB..3GiB');
    const rare = parseScenario(yaml(''), 'rare.yaml');
    const exact = findChanges(rare, 'vm.ram', grid, p, 5, '1');
    expect([...exact.routes]).toEqual(['exact']);
    expect(exact.changes).toEqual([{ outcome: 'hotplug', index: 97, from: true, to: false }]);
    expect(grid.at(97)).toBe('2145MiB');
    // 5 trials at P = 0.001 draw no hotplug at all: the trial rule sees nothing to change.
    const trials = findChanges(rare, 'vm.ram', grid, p, 5, '1', true);
    expect([...trials.routes]).toEqual(['trials']);
    expect(trials.changes).toEqual([]);
    // 13 reboots that each happen half the time: 2 guests × 2 × 2^13 paths, over the exact budget.
    const big = parseScenario(yaml('  - reboot: { chance: 0.5 }\n'.repeat(13)), 'big.yaml');
    expect(exactOverBudget(big)).toMatch(/^not computed: over the work budget/);
    expect(probe(big, p, 5, '1').route).toBe('trials');
    expect(probe(rare, p, 5, '1').route).toBe('exact');
  });

  const refused: Array<[string[], string]> = [
    [['--find', 'vm.qemu=7.0..8.0'], "--find vm.qemu: '7.0..8.0' is a range of versions — a list: vm.qemu=7.0,7.1,8.0"],
    [['--find', 'vm.ram=4GiB..2GiB'], "--find vm.ram: '4GiB..2GiB' is empty — LO below HI"],
    [['--find', 'vm.ram=2GiB..4GiB:3KiB'], "--find vm.ram: '2GiB..4GiB:3KiB' has a step that is not a whole number of 4 KiB pages — a step such as :1MiB or :4KiB"],
    [['--find', 'vm.rom=1..2'], "--find: unknown parameter 'vm.rom' (did you mean 'vm.ram'?) — one of: vm.ram, vm.qemu, vm.viommu, host.kernel, workload.buffers, workload.buffer_size, workload.low_bias, workload.preset, workload.placement, workload.alignment, dma.operations, dma.churn, guests.runtime"],
    [['--find', 'vm.ram=2GiB..4GiB', '--param', 'dma.churn=0'], '--find with --param — --find alone: it prints thresholds and writes no results directory'],
  ];
  for (const [flags, message] of refused) {
    it(`refuses ${flags.join(' ')} in one line`, () => {
      const r = cli('run', '--scenario', 'aarch64-guest-on-amd-host', ...flags);
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`doorbell: ${message}\n`);
    });
  }
});

describe('ranges for --param', () => {
  it('2GiB..4GiB:256MiB is nine page-granular sizes', () => {
    expect(parseSweep(['vm.ram=2GiB..4GiB:256MiB'])[0]!.values).toEqual(['2GiB', '2304MiB', '2560MiB', '2816MiB', '3GiB', '3328MiB', '3584MiB', '3840MiB', '4GiB']);
    expect(parseSweep(['vm.ram=1GiB,2GiB..3GiB:1GiB'])[0]!.values).toEqual(['1GiB', '2GiB', '3GiB']);
    expect(gridValues(rangeGrid('--param', 'dma.churn', 'fraction', '0..0.5:0.25'))).toEqual(['0', '0.25', '0.5']);
    expect(gridValues(rangeGrid('--param', 'workload.buffers', 'count', '64..256:64'))).toEqual(['64', '128', '192', '256']);
  });
  it('a range off its grid, or too long for a sweep, is one line', () => {
    expect(() => parseSweep(['vm.ram=2GiB..3GiB:300MiB'])).toThrow("--param vm.ram: '2GiB..3GiB:300MiB' does not end on the grid of 300 MiB from 2 GiB — HI - LO a multiple of the step");
    expect(() => parseSweep(['vm.ram=1GiB..4GiB:1MiB'])).toThrow("--param vm.ram: '1GiB..4GiB:1MiB' has 3073 values — at most 1000: a larger step");
  });
  it('a run sweeps a range', () => {
    const r = cli('run', '--scenario', 'aarch64-guest-on-amd-host', '--policy', 'kernel-rejects', '--param', 'vm.ram=3053MiB..3056MiB', '--trials', '2', '--out', join(tmp(), 'r'), '--json');
    expect(JSON.parse(r.stdout).map((x: { point: string; vm_start_ok: number }) => [x.point, x.vm_start_ok])).toEqual([
      ['vm.ram=3053MiB', 2], ['vm.ram=3054MiB', 2], ['vm.ram=3055MiB', 0], ['vm.ram=3056MiB', 0],
    ]);
  });
});

describe('explain --param, --host, --first-loss', () => {
  it('--first-loss finds trial 38 of the D05 case (the README\'s trace)', () => {
    const r = cli('explain', '--scenario', 'd05-hw-msi-hotplug', '--policy', 'no-checks-2016', '--first-loss');
    expect(r.stdout.split('\n')[0]).toBe('# doorbell explain --scenario d05-hw-msi-hotplug --policy no-checks-2016 --seed 1 --trial 38 (the first trial from 0 that loses data)');
    expect(r.stdout).toMatch(/guest {3}nic0 buffer [0-9]+ at \[0xc60/);
  });
  it('--param plays the trial at that point', () => {
    expect(cli('explain', '--scenario', 'aarch64-guest-on-amd-host', '--policy', 'kernel-rejects', '--param', 'vm.ram=3054MiB').stdout).toContain('result  VM started');
    expect(cli('explain', '--scenario', 'aarch64-guest-on-amd-host', '--policy', 'kernel-rejects', '--param', 'vm.ram=3055MiB').stdout).toContain('result  VM did not start (kernel)');
  });
  it('no loss within the search says so', () => {
    const r = cli('explain', '--scenario', 'aarch64-guest-on-amd-host', '--policy', 'no-checks-2016', '--param', 'vm.ram=3054MiB', '--first-loss', '--within', '20');
    expect(r.stdout).toBe('# no trial from 0 to 19 loses data under no-checks-2016\n');
  });
  it('several values for one --param are refused', () => {
    expect(cli('explain', '--scenario', 'aarch64-guest-on-amd-host', '--policy', 'kernel-rejects', '--param', 'vm.ram=1GiB,2GiB').stderr).toBe('doorbell: --param vm.ram: 2 values — explain replays one trial: one value per --param\n');
  });
  it('--host with --device', () => {
    const r = cli('explain', '--scenario', 'd05-hw-msi-hotplug', '--policy', 'kernel-rejects', '--host', 'scenarios/hosts/arm-smmuv3-server.yaml', '--device', 'nic0=4');
    expect(r.stdout).toContain('attach group 4 to new container 0 = 0');
  });
});

describe('a sweep that does not apply fails at once, alike in every shard (--param vm.ram --shard I/8)', () => {
  it('every shard leaves the explicit-RAM scenarios out with the same lines, and the shards merge', () => {
    const dir = tmp();
    const notes = new Set<string>();
    for (let i = 1; i <= 8; i++) {
      const r = cli('run', '--param', 'vm.ram=2GiB,4GiB', '--trials', '2', '--shard', `${i}/8`, '--out', join(dir, String(i)), '--quiet');
      expect(r.status, `shard ${i}: ${r.stderr}`).toBe(0);
      notes.add(r.stderr);
    }
    const left = (name: string) => `doorbell: --param vm.ram: ${name} lays RAM out explicitly: left out of this run (every built-in was selected; name it with --scenario to be refused instead)\n`;
    expect([...notes]).toEqual([['arm64-ram-at-zero', 'dpdk-iova-va-sw-msi', 'mixed-fleet-amd', 'mixed-fleet-d05', 'spdk-iova-va-rc-dma-limit'].map(left).join('')]);
    const m = cli('merge', ...Array.from({ length: 8 }, (_, i) => join(dir, String(i + 1))), '--out', join(dir, 'all'));
    expect(m.status, m.stderr).toBe(0);
  });
  it('named with --scenario, it is refused in one line before anything runs', () => {
    const r = cli('run', '--scenario', 'arm64-ram-at-zero', '--scenario', 'd05-hw-msi-hotplug', '--param', 'vm.ram=2GiB', '--shard', '2/2', '--out', join(tmp(), 'r'));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('doorbell: --param vm.ram: scenario arm64-ram-at-zero lays RAM out explicitly — a scenario with machine virt, q35 or pc\n');
  });
});
