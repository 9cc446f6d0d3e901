// Issue 17 items 3 and 5: every failure of the input or the environment is
// one line and exit 2 with nothing half-written, never a stack trace; and
// output is never cut, whatever reads it.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { POL, ROOT, canMount, cli, doorbellSh, inTmpfs, oneLine, partials, tmp } from './helpers/cli.js';

const RUN = ['run', '--scenario', 'd05-hw-msi-hotplug', '--trials', '3', '--quiet'];
const dir = tmp();
const results = join(dir, 'results');
const mk = (name: string, files: Record<string, string>) => {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(d, f, '..'), { recursive: true });
    writeFileSync(join(d, f), text);
  }
  return d;
};
const long = 'x'.repeat(300);

// [what, args, the line (exact, or a pattern)]
const CASES: Array<[string, () => string[], string | RegExp]> = [
  ['a scenario name over 128 characters', () => [...RUN, '--scenario', 'test/fixtures/bad/name-too-long.yaml', '--out', join(dir, 'o1')], 'doorbell: test/fixtures/bad/name-too-long.yaml:2:7: scenario.name: a scenario name of 300 characters — at most 128 (it names chart files)'],
  ['a capture line with an empty body', () => ['import', 'sysfs', mk('cap', { 'c.txt': '/sys/kernel/iommu_groups/1/reserved_regions:\n' }) + '/c.txt'], /^doorbell: .*c\.txt:1:45: no region after reserved_regions: — start end type, as 0x00000000fee00000 0x00000000feefffff msi$/],
  ['a tree whose reserved_regions is a directory', () => ['import', 'sysfs', mk('tree', { '1/reserved_regions/x': '' })], /^doorbell: .*tree\/1\/reserved_regions: is a directory — a capture \(a regular file\)$/],
  ['--out under a file', () => [...RUN, '--out', join(mk('f', { file: 'x' }), 'file', 'sub')], /^doorbell: --out .*file\/sub: a part of the path is not a directory \(ENOTDIR\) — a path doorbell can look at$/],
  ['--out empty', () => [...RUN, '--out', ''], "doorbell: --out: '' is not a directory name — a path for the results directory"],
  ['--out too long', () => [...RUN, '--out', join(dir, long)], /^doorbell: --out .*x{300}: the name is too long \(ENAMETOOLONG\) — a path doorbell can look at$/],
  ['--out given twice', () => [...RUN, '--out', join(dir, 'a'), '--out', join(dir, 'b')], 'doorbell: --out given 2 times — --out once'],
  ['--host given twice', () => [...RUN, '--host', 'scenarios/hosts/hisilicon-d05.yaml', '--host', 'scenarios/hosts/hisilicon-d05.yaml', '--out', join(dir, 'o2')], 'doorbell: --host given 2 times — --host once'],
  ['a scenario over the size limit (refused before it is read)', () => [...RUN, '--scenario', big(), '--out', join(dir, 'o9')], /^doorbell: .*huge\.yaml: file is 5242880 bytes — a scenario of at most 4194304 bytes$/],
  ['--host /dev/zero', () => [...RUN, '--host', '/dev/zero', '--out', join(dir, 'o3')], 'doorbell: /dev/zero: is not a regular file — a host file (a regular file)'],
  ['--host a FIFO (would block)', () => [...RUN, '--host', fifo(), '--out', join(dir, 'o4')], /^doorbell: .*fifo: is not a regular file — a host file \(a regular file\)$/],
  ['--param workload.buffers=1e12', () => [...RUN, '--param', 'workload.buffers=1000000000000', '--out', join(dir, 'o5')], "doorbell: --param workload.buffers: '1000000000000' is not a whole number from 1 to 1000000 — a whole number from 1 to 1000000"],
  ['--param vm.ram=15EiB', () => [...RUN, '--param', 'vm.ram=15EiB', '--out', join(dir, 'o6')], "doorbell: --param vm.ram: '15EiB' is not a size that is a multiple of 4 KiB, at most 4 PiB — a size that is a multiple of 4 KiB, at most 4 PiB"],
  ['a corrupt run.json to report', () => ['report', mk('c1', { 'run.json': '{', 'summary.csv': '', 'paired.csv': '' })], /^doorbell: .*c1: not a doorbell results directory \(its run.json is not one doorbell wrote\); report writes only into those — a results directory written by doorbell run$/],
  ['a run.json missing fields to report', () => ['report', mk('c2', { 'run.json': '{"doorbell": "0.1.0"}', 'summary.csv': 'a\n', 'paired.csv': 'a\n' })], 'doorbell: run.json: node is missing — a run.json written by doorbell run or merge'],
  ['a corrupt run.json to merge', () => ['merge', mk('c3', { 'run.json': '{"doorbell": "0.1.0", "trials": "x"}', 'summary.csv': '', 'paired.csv': '' }), '--out', join(dir, 'm')], /^doorbell: .*c3\/run.json: node is missing — a run.json written by doorbell run or merge$/],
  ['a corrupt run.json to --resume', () => [...RUN, '--resume', mk('c4', { 'run.json': 'not json' })], /^doorbell: --resume .*c4: run.json is not valid JSON — a directory left by an interrupted doorbell run, as it left it$/],
  ['--resume DIR --out OTHER', () => [...RUN, '--resume', join(dir, 'r1'), '--out', join(dir, 'r2')], /^doorbell: --resume .*r1 with --out .*r2: a resumed run finishes in its own directory — one of them \(--resume DIR alone\)$/],
  ['a flag with no value (yargs would use its default)', () => ['run', '--scenario', 'd05-hw-msi-hotplug', '--out', join(dir, 'o7'), '--trials'], "doorbell: --trials has no value — --trials VALUE (see 'doorbell run --help')"],
  ['a policy parameter given twice', () => [...RUN, '--policy', 'kernel-rejects:backend=type1,backend=iommufd', '--out', join(dir, 'o8')], 'doorbell: --policy kernel-rejects: backend given twice — backend once, e.g. kernel-rejects:backend=type1'],
  ['a choice flag with a wrong value', () => ['import', 'sysfs', 'x', '--arch', 'arm'], "doorbell: --arch: 'arm' is not a choice — one of: x86_64, aarch64"],
  ['a positional with a wrong value', () => ['list', 'everything'], "doorbell: <what>: 'everything' is not a choice — one of: policies, scenarios"],
];
function big(): string {
  const p = join(mkdtempSync(join(dir, 'fifo-')), 'huge.yaml');
  writeFileSync(p, Buffer.alloc(5 * 1024 * 1024, 0x20));
  return p;
}
function fifo(): string {
  const p = join(mkdtempSync(join(dir, 'fifo-')), 'fifo');
  spawnSync('mkfifo', [p]);
  return p;
}

describe('one line, exit 2, nothing written, for each cause', () => {
  for (const [what, args, line] of CASES) {
    it(what, () => {
      const before = readdirSync(dir).sort();
      const r = cli(...args());
      expect(r.status, r.stderr).toBe(2);
      if (typeof line === 'string') expect(oneLine(r.stderr)).toBe(line);
      else expect(oneLine(r.stderr)).toMatch(line);
      expect(readdirSync(dir).filter((n) => !before.includes(n) && !['cap', 'tree', 'f', 'c1', 'c2', 'c3', 'c4'].includes(n) && !n.startsWith('fifo-'))).toEqual([]);
      expect(partials(dir)).toEqual([]);
    });
  }

  it("a policy whose kernel() throws: its trials are policy-errors, the report says so, exit 1", () => {
    const r = cli(...RUN, '--policy', `${POL}/kernel-thrower.mjs`, '--out', results, '--json');
    expect(r.status, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout)[0]).toMatchObject({ errors: 3, policy_errors: 3, first_error: 'policy-error: policy kernel-thrower: kernel() threw: no kernel here' });
    expect(readFileSync(join(results, 'report-full.txt'), 'utf8')).toMatch(/kernel policy-error: kernel\(\)\s+threw: no/);
  });
});

describe.skipIf(!canMount)('a full or read-only disk (a tmpfs in a private mount namespace)', () => {
  const sh = (args: string[]) => `${doorbellSh} ${args.map((a) => `'${a}'`).join(' ')}; echo "rc=$?"; ls -A "$D"`;
  it('a disk that fills during a --jobs 2 run: one line, exit 2, nothing left', () => {
    const d = mkdtempSync(join(dir, 'full-'));
    const r = inTmpfs(d, '120k', `D='${d}'; ${sh(['run', '--scenario', 'd05-hw-msi-hotplug', '--scenario', 'p2p-bridge-window', '--trials', '200', '--keep-trials', '--jobs', '2', '--out', `${d}/r`])}`);
    expect(oneLine(r.stderr)).toBe(`doorbell: --out ${d}/r: no space left on device (ENOSPC) — a writable directory with free space`);
    expect(r.stdout).toBe('rc=2\n');
  });

  it('import --out on a full disk leaves no truncated host file', () => {
    const d = mkdtempSync(join(dir, 'full-'));
    const cap = join(dir, 'mid.txt');
    writeFileSync(cap, Array.from({ length: 3000 }, (_, i) => `0x${(0x100000000 + i * 0x10000).toString(16).padStart(16, '0')} 0x${(0x100000fff + i * 0x10000).toString(16).padStart(16, '0')} reserved`).join('\n') + '\n');
    const r = inTmpfs(d, '64k', `D='${d}'; ${sh(['import', 'sysfs', cap, '--out', `${d}/host.yaml`])}`);
    expect(oneLine(r.stderr)).toMatch(new RegExp(`^doorbell: --out ${d}/host.yaml: no space left on device \\(ENOSPC\\) — a writable directory with free space$`));
    expect(r.stdout).toBe('rc=2\n');
  });

  it('--out on a read-only file system, and report in a read-only results directory', () => {
    const d = mkdtempSync(join(dir, 'ro-'));
    const r = inTmpfs(d, '1m', `D='${d}'; ${sh([...RUN, '--out', `${d}/r`])}`, true);
    expect(oneLine(r.stderr)).toBe(`doorbell: --out ${d}/r: read-only file system (EROFS) — a directory doorbell can create and write`);
    expect(r.stdout).toBe('rc=2\n');
    expect(cli(...RUN, '--out', join(dir, 'rw')).status).toBe(0);
    const copy = `cp -r '${join(dir, 'rw')}/.' "$D/" && mount -o remount,ro "$D"`;
    const rep = inTmpfs(d, '4m', `D='${d}'; ${copy} && ${doorbellSh} report "$D"; echo "rc=$?"`);
    expect(oneLine(rep.stderr)).toBe(`doorbell: ${d}: read-only file system (EROFS) — a results directory doorbell can write into`);
    expect(rep.stdout).toBe('rc=2\n');
  });
});

describe('output is never cut', () => {
  it('import sysfs of a large capture: every byte reaches a slow pipe, the same as --out writes', () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `/sys/kernel/iommu_groups/${i % 400}/reserved_regions:0x${(0x100000000 + i * 0x10000).toString(16).padStart(16, '0')} 0x${(0x100000fff + i * 0x10000).toString(16).padStart(16, '0')} reserved`);
    const cap = join(dir, 'big.txt');
    writeFileSync(cap, lines.join('\n') + '\n');
    const r = spawnSync('sh', ['-c', `${doorbellSh} import sysfs '${cap}' | (sleep 1; cat)`], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    expect(r.status, r.stderr).toBe(0);
    expect(cli('import', 'sysfs', cap, '--out', join(dir, 'big.yaml')).status).toBe(0);
    const whole = readFileSync(join(dir, 'big.yaml'), 'utf8');
    expect(whole.length).toBeGreaterThan(1_000_000);
    expect(r.stdout).toBe(whole);
  });

  it('long stderr reaches a pipe whole (validate of many bad files)', () => {
    const bad = readdirSync(join(ROOT, 'test/fixtures/bad')).filter((f) => f.endsWith('.yaml')).map((f) => `test/fixtures/bad/${f}`);
    const many = Array.from({ length: 30 }, () => bad).flat();
    const r = cli('validate', ...many);
    expect(r.status).toBe(2);
    expect(r.stderr.length).toBeGreaterThan(131_072);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(many.length);
  });

  it('a write error on stdout (a full device) is a failure, one line', () => {
    const r = spawnSync('sh', ['-c', `${doorbellSh} list scenarios --json > /dev/full`], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toBe('doorbell: cannot write to stdout: no space left on device (ENOSPC) — a writable output');
  });

  it('a reader that goes away (| head) is not a failure', () => {
    const r = spawnSync('sh', ['-c', `${doorbellSh} list policies | head -1`], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('no-checks-2016\n');
  });
});
