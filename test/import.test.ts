// doorbell import sysfs: the three pasted forms, round trips, and incidents
// reproduced from captures alone.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../src/import/sysfs.js';
import { loadHostFile } from '../src/scenario/load-host.js';

const ROOT = resolve(__dirname, '..');
const FIX = 'test/fixtures/sysfs';
const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), ...args], { cwd: ROOT, encoding: 'utf8' });
const tmp = () => mkdtempSync(join(tmpdir(), 'doorbell-import-'));

function importTo(capture: string, ...flags: string[]): string {
  const out = join(tmp(), 'host.yaml');
  const r = cli('import', 'sysfs', capture, '--out', out, ...flags);
  expect(r.status, r.stderr).toBe(0);
  return out;
}

describe('import sysfs: the three forms', () => {
  it('a grep -H capture with prompts and trailing spaces, SW_MSI inferred on arm64', () => {
    const c = readCapture(join(ROOT, FIX, 'd05-grep.txt'));
    expect(c.form).toBe('grep');
    expect(c.groups.map((g) => g.id)).toEqual([3, 4]);
    const host = loadHostFile(importTo(`${FIX}/d05-grep.txt`, '--arch', 'aarch64', '--kernel', '5.10'), 'h').host;
    expect(host.groups[0]!.regions).toEqual([
      { start: 0x8000000n, last: 0x80fffffn, type: 'sw-msi' },
      { start: 0xc6010000n, last: 0xc601ffffn, type: 'msi' },
    ]);
    const text = readFileSync(importTo(`${FIX}/d05-grep.txt`, '--arch', 'aarch64'), 'utf8');
    expect(text).toContain('# inferred: groups 3-4 (2): [0x8000000-0x80fffff] msi taken as sw-msi (kernel-managed window)');
    expect(text).toContain('start: 0x0000000008000000, last: 0x00000000080fffff');
  });

  it('--sw-msi none keeps every msi line a hardware doorbell', () => {
    const host = loadHostFile(importTo(`${FIX}/d05-grep.txt`, '--arch', 'aarch64', '--sw-msi', 'none'), 'h').host;
    expect(host.groups[0]!.regions[0]!.type).toBe('msi');
  });

  it('a copied iommu_groups tree, with device names', () => {
    const host = loadHostFile(importTo(`${FIX}/amd-tree`, '--iommu', 'amd'), 'h').host;
    expect(host.groups.map((g) => [g.id, g.devices])).toEqual([[40, ['0000:41:00.2']], [41, ['0000:42:00.0']]]);
    expect(host.groups[0]!.regions).toEqual([
      { start: 0xfee00000n, last: 0xfeefffffn, type: 'msi' },
      { start: 0xfd00000000n, last: 0xffffffffffn, type: 'reserved' },
    ]);
  });

  it('bare lines after a prompt: one group, Intel ISA-bridge range recognised as no RMRR', () => {
    const host = loadHostFile(importTo(`${FIX}/cometlake-bare.txt`, '--kernel', '5.4'), 'h').host;
    expect(host.groups).toHaveLength(1);
    expect(host.groups[0]!.regions[0]).toEqual({ start: 0n, last: 0xffffffn, type: 'direct', rmrr: false });
  });

  const bad: Array<[string, string]> = [
    ['truncated.txt', 'test/fixtures/bad/sysfs/truncated.txt:1:38: truncated line (2 of 3 fields) — start end type, as 0x00000000fee00000 0x00000000feefffff msi'],
    ['bad-hex.txt', "test/fixtures/bad/sysfs/bad-hex.txt:1:1: '0x00000000fee0000g' is not a 64-bit hex address — hex such as 0x00000000fee00000"],
    ['unknown-type.txt', "test/fixtures/bad/sysfs/unknown-type.txt:1:39: unknown region type 'doorbell' — one of: direct-relaxable, direct, reserved, msi (what sysfs prints)"],
    ['mixed.txt', 'test/fixtures/bad/sysfs/mixed.txt:2:1: a grep line after bare lines — one form per file: all `grep -H` lines or all bare `0x… 0x… type` lines'],
    ['prose.txt', "test/fixtures/bad/sysfs/prose.txt:1:1: 'hello' is not a 64-bit hex address — hex such as 0x00000000fee00000"],
    ['reversed.txt', 'test/fixtures/bad/sysfs/reversed.txt:1:20: end 0x00000000fee00000 is below start — an inclusive end >= start'],
  ];
  for (const [f, message] of bad) {
    it(`rejects ${f} with one line and exit 2`, () => {
      const out = join(tmp(), 'h.yaml');
      const r = cli('import', 'sysfs', `test/fixtures/bad/sysfs/${f}`, '--out', out);
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`doorbell: ${message}\n`);
    });
  }
});

describe('incidents reproduced from captures (import + run + explain)', () => {
  it('aarch64 guest on an AMD host: 3054 MiB starts, 3055 MiB does not (Launchpad 1869006)', () => {
    const host = importTo(`${FIX}/amd-bare.txt`, '--iommu', 'amd', '--kernel', '5.4');
    const dir = tmp();
    const scenario = (mib: number) => {
      const p = join(dir, `virt-${mib}.yaml`);
      writeFileSync(p, `name: virt-${mib}\ntitle: t\nsource: s\ndescription: d\nhost: ${host}\nvm: { machine: virt, ram: ${mib}MiB }\ndevices: [{ name: vf0, group: 0 }]\ntimeline: [{ start: { devices: [vf0] } }]\n`);
      return p;
    };
    const started = (mib: number) => JSON.parse(cli('run', '--scenario', scenario(mib), '--policy', 'kernel-rejects', '--trials', '3', '--out', join(dir, `r${mib}`), '--json').stdout)[0].vm_start_ok;
    expect(started(3054)).toBe(3);
    expect(started(3055)).toBe(0);
    const trace = cli('explain', '--scenario', scenario(3055), '--policy', 'kernel-rejects').stdout;
    expect(trace).toContain('= -EINVAL: [0xfee00000-0xfeefffff] msi');
  });

  it('D05 captured with grep: the NIC hotplug fails under kernel-rejects and the doorbell shows as captured', () => {
    const host = importTo(`${FIX}/d05-grep.txt`, '--arch', 'aarch64', '--kernel', '5.10');
    const r = JSON.parse(cli('run', '--scenario', 'd05-hw-msi-hotplug', '--host', host, '--trials', '5', '--policy', 'kernel-rejects', '--out', join(tmp(), 'r'), '--json').stdout);
    expect(r[0]).toMatchObject({ hotplug_attempts: 5, hotplug_rejected_kernel: 5 });
    expect(cli('explain', '--scenario', 'd05-hw-msi-hotplug', '--host', host, '--policy', 'kernel-rejects').stdout).toContain('[0xc6010000-0xc601ffff] msi');
  });

  it('AMD tree: the 1023 GiB q35 guest on QEMU 7.0 fails to start at the HT hole', () => {
    const host = importTo(`${FIX}/amd-tree`, '--iommu', 'amd', '--kernel', '5.15');
    const r = JSON.parse(cli('run', '--scenario', 'amd-ht-qemu70', '--host', host, '--trials', '3', '--policy', 'kernel-rejects', '--out', join(tmp(), 'r'), '--json').stdout);
    expect(r[0]).toMatchObject({ vm_start_ok: 0, start_failed_kernel: 3 });
    expect(cli('explain', '--scenario', 'amd-ht-qemu70', '--host', host, '--policy', 'kernel-rejects').stdout).toContain('[0xfd00000000-0xffffffffff] reserved');
  });

  it('Comet Lake 5.4 captured bare: attach succeeds, the low-RAM map fails with EINVAL', () => {
    // The prompt line `$ cat /sys/kernel/iommu_groups/11/reserved_regions` names the group; the direct ISA range names 5.4.
    const host = importTo(`${FIX}/cometlake-bare.txt`);
    const trace = cli('explain', '--scenario', 'cometlake-isa-bridge-5.4', '--host', host, '--policy', 'kernel-rejects').stdout;
    expect(trace).toMatch(/attach group 11 to new container 0 = 0/);
    expect(trace).toMatch(/= -EINVAL: \[0x0-0xffffff\] direct/);
  });
});

describe('explain', () => {
  it('--json gives one object per event, ending in the same result the run counts', async () => {
    // The first trial in which a buffer lands on the doorbell.
    const { runTrial } = await import('../src/engine/trial.js');
    const { resolvePolicy } = await import('../src/engine/policies.js');
    const { resolveScenario } = await import('../src/scenario/builtin.js');
    const scenario = resolveScenario('d05-hw-msi-hotplug');
    const t = [...Array(500).keys()].find((k) => {
      const r = runTrial({ scenario, policy: resolvePolicy('no-checks-2016').instance, seed: '1', trial: k });
      return r.status === 'ok' && r.lostOps > 0;
    })!;
    expect(t).toBeDefined();
    const lines = cli('explain', '--scenario', 'd05-hw-msi-hotplug', '--policy', 'no-checks-2016', '--trial', String(t), '--json').stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.every((l, i) => l.seq === i)).toBe(true);
    const danger = lines.filter((l) => l.kind === 'guest' && l.buffer !== undefined);
    expect(danger.length).toBeGreaterThan(0);
    expect(danger[0]).toMatchObject({ device: 'nic0', silent: true, visibility: 'unlogged' });
    expect(lines.at(-1).kind).toBe('result');
  });

  it('explain replays exactly the trials a run counted', () => {
    const results = [0, 1, 2, 3, 4, 5, 6, 7].map((t) => {
      const last = cli('explain', '--scenario', 'aarch64-guest-dimm-on-x86-host', '--policy', 'no-checks-2016', '--trial', String(t), '--json').stdout.trim().split('\n').at(-1)!;
      return JSON.parse(last);
    });
    const lost = results.map((r) => (r.lostOps > 0 ? 1 : 0));
    expect(new Set(lost)).toEqual(new Set([0, 1])); // both outcomes occur, so the comparison can fail
    const run = JSON.parse(cli('run', '--scenario', 'aarch64-guest-dimm-on-x86-host', '--policy', 'no-checks-2016', '--trials', '8', '--out', join(tmp(), 'r'), '--json').stdout)[0];
    expect(run.data_loss_trials).toBe(lost.reduce((a: number, b: number) => a + b, 0));
    expect(run.silent_loss_trials).toBe(results.filter((r) => r.silentOps > 0).length);
  });
});
