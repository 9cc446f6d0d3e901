// The command line as a user meets it: exit codes, one-line errors, nothing half-written.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { POLICIES } from '../policies/registry.js';

const BIN = resolve(__dirname, '../dist/src/cli/main.js');
const doorbell = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: resolve(__dirname, '..') });
const tmp = () => mkdtempSync(join(tmpdir(), 'doorbell-test-'));

describe('doorbell CLI', () => {
  it('run writes the whole results directory, and the same seed gives the same summary.csv', () => {
    const dir = tmp();
    const a = doorbell('run', '--scenario', 'd05-hw-msi-hotplug', '--trials', '50', '--out', join(dir, 'a'));
    expect(a.status, a.stderr).toBe(0);
    for (const f of ['summary.csv', 'run.json', 'report.txt', 'report.md', 'charts/d05-hw-msi-hotplug.png', 'charts/risk-vs-success.png']) {
      expect(existsSync(join(dir, 'a', f)), f).toBe(true);
    }
    const b = doorbell('run', '--policy', 'qemu-aborts', '--policy', 'no-checks-2016', '--policy', 'kernel-rejects', '--policy', 'guest-avoids-range', '--policy', 'firmware-reserved-hotplug', '--policy', 'qemu-tolerates', '--policy', 'capability-aware-layout', '--policy', 'viommu-guest-avoids', '--policy', 'vmm-picks-msi-window', '--policy', 'static-carve-out', '--policy', 'kernel-moves-msi-window', '--scenario', 'd05-hw-msi-hotplug', '--trials', '50', '--out', join(dir, 'b'));
    expect(b.status, b.stderr).toBe(0);
    expect(readFileSync(join(dir, 'b', 'summary.csv'), 'utf8')).toBe(readFileSync(join(dir, 'a', 'summary.csv'), 'utf8'));
    const run = JSON.parse(readFileSync(join(dir, 'a', 'run.json'), 'utf8'));
    expect(run).toMatchObject({ seed: '1', trials: 50 });
    expect(run.scenarios[0].sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('--jobs 1 and --jobs 2 write the same bytes, trials.csv included, whatever the policy order', () => {
    const dir = tmp();
    const common = ['--scenario', 'd05-hw-msi-hotplug', '--scenario', 'migrate-to-d05', '--trials', '60', '--keep-trials'];
    expect(doorbell('run', ...common, '--jobs', '1', '--out', join(dir, 'one')).status).toBe(0);
    expect(doorbell('run', ...common, '--jobs', '2', '--policy', 'qemu-aborts', '--policy', 'guest-avoids-range', '--policy', 'no-checks-2016', '--policy', 'firmware-reserved-hotplug', '--policy', 'viommu-guest-avoids', '--policy', 'qemu-tolerates', '--policy', 'capability-aware-layout', '--policy', 'static-carve-out', '--policy', 'kernel-moves-msi-window', '--policy', 'vmm-picks-msi-window', '--policy', 'kernel-rejects', '--out', join(dir, 'two')).status).toBe(0);
    for (const f of ['summary.csv', 'paired.csv', 'trials.csv', 'charts/migrate-to-d05.png']) {
      expect(readFileSync(join(dir, 'two', f)).equals(readFileSync(join(dir, 'one', f))), f).toBe(true);
    }
  });

  it('refuses to overwrite without --force, and replaces with it', () => {
    const dir = tmp();
    expect(doorbell('run', '--scenario', 'p2p-bridge-window', '--trials', '5', '--out', dir).status).toBe(2);
    const forced = doorbell('run', '--scenario', 'p2p-bridge-window', '--trials', '5', '--out', dir, '--force');
    expect(forced.status, forced.stderr).toBe(0);
    expect(existsSync(join(dir, 'report.txt'))).toBe(true);
  });

  it('report DIR regenerates report.txt, report.md and charts byte for byte from the CSVs and run.json', () => {
    const dir = tmp();
    const a = join(dir, 'a');
    expect(doorbell('run', '--scenario', 'second-group-other-msi', '--scenario', 'memory-hotplug-over-doorbell', '--trials', '40', '--out', a).status).toBe(0);
    const b = join(dir, 'b');
    mkdirSync(b);
    for (const f of ['run.json', 'summary.csv', 'paired.csv']) copyFileSync(join(a, f), join(b, f));
    const r = doorbell('report', b);
    expect(r.status, r.stderr).toBe(0);
    for (const f of ['report.txt', 'report-full.txt', 'report.md', 'charts/second-group-other-msi.png', 'charts/memory-hotplug-over-doorbell.png', 'charts/risk-vs-success.png']) {
      expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
    }
  });

  it('report.txt, report.md and run.json are the same whatever the order of --scenario and --policy (issue 17 item 9)', () => {
    const dir = tmp();
    const a = doorbell('run', '--scenario', 'p2p-bridge-window', '--scenario', 'd05-hw-msi-hotplug', '--policy', 'qemu-aborts', '--policy', 'kernel-rejects:backend=iommufd', '--policy', 'test/fixtures/policies/strict-avoider.ts:strict=true', '--trials', '20', '--out', join(dir, 'a'));
    expect(a.status, a.stderr).toBe(0);
    const b = doorbell('run', '--policy', 'test/fixtures/policies/strict-avoider.ts:strict=true', '--policy', 'kernel-rejects:backend=iommufd', '--scenario', 'd05-hw-msi-hotplug', '--trials', '20', '--policy', 'qemu-aborts', '--scenario', 'p2p-bridge-window', '--out', join(dir, 'b'));
    expect(b.status, b.stderr).toBe(0);
    for (const f of ['run.json', 'report.txt', 'report.md', 'summary.csv', 'paired.csv']) expect(readFileSync(join(dir, 'b', f), 'utf8'), f).toBe(readFileSync(join(dir, 'a', f), 'utf8'));
    const run = JSON.parse(readFileSync(join(dir, 'a', 'run.json'), 'utf8'));
    expect(run.scenarioFlags).toEqual(['d05-hw-msi-hotplug', 'p2p-bridge-window']);
    expect(run.policyFlags).toEqual(['kernel-rejects:backend=iommufd', 'qemu-aborts', 'test/fixtures/policies/strict-avoider.ts:strict=true']);
    expect(run.argv.slice(0, 3)).toEqual(['run', '--scenario', 'd05-hw-msi-hotplug']);
  });

  it('--keep-trials writes trials.csv, one row per scenario × policy × trial, consistent with the summary', () => {
    const dir = join(tmp(), 'k');
    const r = doorbell('run', '--scenario', 'd05-hw-msi-hotplug', '--trials', '30', '--keep-trials', '--out', dir, '--json');
    const rows = readFileSync(join(dir, 'trials.csv'), 'utf8').trimEnd().split('\n');
    expect(rows).toHaveLength(1 + POLICIES.length * 30);
    const summary = JSON.parse(r.stdout) as Array<{ policy: string; silent_loss_trials: number }>;
    const header = rows[0]!.split(',');
    for (const s of summary) {
      const lossy = rows.slice(1).map((l) => l.split(',')).filter((c) => c[1] === s.policy && Number(c[header.indexOf('lost_ops')]) > 0);
      expect(lossy.length).toBe(s.silent_loss_trials);
    }
  });

  it('trials.csv carries the per-trial hint channels, hint refusals, guest ABI change and migratable, consistent with the summary', () => {
    const dir = join(tmp(), 'k2');
    const r = doorbell('run', '--scenario', 'msi-window-pool', '--scenario', 'viommu-d05-hotplug', '--scenario', 'arm64-ram-at-zero', '--policy', 'static-carve-out', '--policy', 'kernel-moves-msi-window',
      '--policy', 'viommu-guest-avoids', '--trials', '20', '--keep-trials', '--out', dir, '--json');
    expect(r.status, r.stderr).toBe(0);
    const [head, ...rows] = readFileSync(join(dir, 'trials.csv'), 'utf8').trimEnd().split('\n').map((l) => l.split(','));
    const col = (c: string[], name: string) => c[head!.indexOf(name)]!;
    const summary = JSON.parse(r.stdout) as Array<{ scenario: string; policy: string; hint_channels: string; hint_refusals: number; guest_abi_change_bytes: string; migratable_trials: number; migratable_of: number }>;
    for (const s of summary) {
      const mine = rows.filter((c) => c[0] === s.scenario && c[1] === s.policy);
      expect(mine).toHaveLength(20);
      expect(mine.filter((c) => col(c, 'migratable') === '1').length, `${s.scenario} ${s.policy}`).toBe(s.migratable_trials);
      expect(mine.filter((c) => col(c, 'migratable') !== '').length).toBe(s.migratable_of);
      expect(mine.reduce((n, c) => n + Number(col(c, 'hint_refusals')), 0)).toBe(s.hint_refusals);
      expect(String(mine.reduce((m, c) => (BigInt(col(c, 'guest_abi_change_bytes')) > m ? BigInt(col(c, 'guest_abi_change_bytes')) : m), 0n))).toBe(s.guest_abi_change_bytes);
      const used = mine.filter((c) => col(c, 'hint_channels') !== '').length;
      expect(s.hint_channels).toBe(used ? `${col(mine.find((c) => col(c, 'hint_channels') !== '')!, 'hint_channels')} ${used}` : '');
    }
    const at = (sc: string, p: string) => rows.filter((c) => c[0] === sc && c[1] === p);
    // msi-window-pool: the kernel moves the window on the SoC, so no VM there is migratable; OpenVMM's RAM from 1 GiB moves RAM at zero.
    expect(at('msi-window-pool', 'kernel-moves-msi-window').every((c) => col(c, 'migratable') === '0')).toBe(true);
    expect(at('arm64-ram-at-zero', 'static-carve-out').every((c) => col(c, 'guest_abi_change_bytes') === String(1n << 30n))).toBe(true);
    expect(at('viommu-d05-hotplug', 'viommu-guest-avoids').every((c) => col(c, 'hint_channels') === 'virtio-iommu-resv-mem')).toBe(true);
  });

  it('--json prints the summary rows', () => {
    const dir = tmp();
    const r = doorbell('run', '--scenario', 'p2p-bridge-window', '--policy', 'kernel-rejects', '--trials', '5', '--out', join(dir, 'x'), '--json');
    const rows = JSON.parse(r.stdout);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ scenario: 'p2p-bridge-window', policy: 'kernel-rejects', trials: 5 });
  });

  const bad: Array<[string[], RegExp]> = [
    [['run', '--trials', 'abc'], /^doorbell: --trials: 'abc' is not a trial count — a whole number from 1 to 10000000\n$/],
    [['run', '--trials', '0'], /^doorbell: --trials: '0' is not a trial count/],
    [['run', '--seed', '-1'], /^doorbell: --seed: '-1' is not a seed — a whole number/],
    [['run', '--policy', 'kernel-reject'], /^doorbell: --policy: unknown policy 'kernel-reject' \(did you mean 'kernel-rejects'\?\) — one of: /],
    [['run', '--policy', 'kernel-rejects:backend=vfio'], /^doorbell: --policy kernel-rejects: backend=vfio is not allowed — backend=type1\|iommufd\n$/],
    [['run', '--scenario', 'd05'], /^doorbell: --scenario: unknown scenario 'd05'/],
    [['run', '--bogus'], /^doorbell: Unknown argument: bogus/],
    [['run', '--jobs', '0'], /^doorbell: --jobs: '0' is not a job count — a whole number from 1 to 256\n$/],
  ];
  for (const [args, message] of bad) {
    it(`exit 2 and one line for: ${args.join(' ')}`, () => {
      const dir = tmp();
      const r = doorbell(...args, '--out', join(dir, 'out'));
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(readdirSync(dir)).toEqual([]);
    });
  }

  it('a broken scenario file: file:line:col, exit 2, nothing written', () => {
    const dir = tmp();
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'name: x\ntitle: t\nsource: s\ndescription: d\nhots: {}\n');
    const r = doorbell('run', '--scenario', file, '--out', join(dir, 'out'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/broken\.yaml:5:1: scenario: unknown key 'hots' \(did you mean 'host'\?\)/);
    expect(readdirSync(dir)).toEqual(['broken.yaml']);
  });

  it('--host substitutes a host file for the scenario\'s own, and a missing group is a one-line error', () => {
    const dir = tmp();
    const ok = doorbell('run', '--scenario', 'arm64-smmuv3-control', '--host', 'scenarios/hosts/hisilicon-d05.yaml', '--policy', 'kernel-rejects', '--trials', '5', '--out', join(dir, 'a'), '--json');
    expect(ok.status, ok.stderr).toBe(0);
    // On the D05 the 4 GiB guest covers the doorbell: the start fails.
    expect(JSON.parse(ok.stdout)[0]).toMatchObject({ vm_start_ok: 0, start_failed_kernel: 5 });
    const run = JSON.parse(readFileSync(join(dir, 'a', 'run.json'), 'utf8'));
    expect(run.scenarios[0].files.map((f: { file: string }) => f.file)).toContain('scenarios/hosts/hisilicon-d05.yaml');
    expect(readFileSync(join(dir, 'a', 'report.txt'), 'utf8')).toContain('--host scenarios/hosts/hisilicon-d05.yaml');
    // A two-group host without the scenario's group: nothing to choose automatically (a one-group host maps itself).
    const bad = doorbell('run', '--scenario', 'amd-ht-qemu70', '--host', 'scenarios/hosts/arm-smmuv3-server.yaml', '--out', join(dir, 'b'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^doorbell: --host scenarios\/hosts\/arm-smmuv3-server.yaml: no IOMMU group 40 for device 'vf0' of scenario amd-ht-qemu70 — --device vf0=GROUP with one of: 3, 4\n$/);
  });

  it('validate checks scenarios and hosts without running; a bad one exits 2 with its line', () => {
    const dir = tmp();
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'platform: x\narch: arm64\niommu: intel\nkernel: "6.8"\ngroups: []\n');
    const r = doorbell('validate', 'scenarios/d05-hw-msi-hotplug.yaml', 'scenarios/hosts/amd-epyc.yaml', bad);
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('scenarios/d05-hw-msi-hotplug.yaml: ok (scenario)');
    expect(r.stdout).toContain('scenarios/hosts/amd-epyc.yaml: ok (host)');
    expect(r.stderr).toMatch(/bad\.yaml:2:7: host\.arch: 'arm64' is not known.* — one of: x86_64, aarch64/);
  });

  it('list scenarios --json gives name, source and description', () => {
    const r = doorbell('list', 'scenarios', '--json');
    expect(r.status).toBe(0);
    for (const s of JSON.parse(r.stdout)) {
      expect(Object.keys(s)).toEqual(expect.arrayContaining(['name', 'source', 'description']));
    }
  });

  it('list policies names every position', () => {
    const r = doorbell('list', 'policies');
    for (const p of ['no-checks-2016', 'kernel-rejects', 'qemu-aborts', 'qemu-tolerates', 'guest-avoids-range', 'viommu-guest-avoids', 'firmware-reserved-hotplug', 'capability-aware-layout']) expect(r.stdout).toContain(p);
  });
});
