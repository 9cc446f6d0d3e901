// import sysfs infers the host from what the capture shows. Five captures
// pasted as people paste them (prompts, `cat` lines, grep -H, sort -u), built
// from the region lists of shared/domain.md and scenarios/hosts/, with the
// D05 lines as Shameer Kolothum pasted them (`estuary:/$ cat ...`, a trailing
// space) and the EPYC `sort -u` as Alex Williamson did on qemu-devel.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCaptureText, readCapture } from '../src/import/sysfs.js';
import { readCommandLine, stripMailQuote } from '../src/import/prompt.js';
import { idRanges, inferArch, inferIommu, summariseGroupNotes } from '../src/import/infer.js';
import { loadHostFile } from '../src/scenario/load-host.js';

const ROOT = resolve(__dirname, '..');
const PASTED = 'test/fixtures/sysfs/pasted';
const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), ...args], { cwd: ROOT, encoding: 'utf8' });
const tmp = () => mkdtempSync(join(tmpdir(), 'doorbell-infer-'));

function importPlain(name: string, ...flags: string[]) {
  const out = join(tmp(), `${name}.yaml`);
  const r = cli('import', 'sysfs', `${PASTED}/${name}.txt`, '--out', out, ...flags);
  expect(r.status, r.stderr).toBe(0);
  return { file: out, host: loadHostFile(out, out).host, text: readFileSync(out, 'utf8'), stderr: r.stderr };
}

describe('five pasted captures import to the right host with no flags', () => {
  it('D05 (estuary:/$ cat .../3/reserved_regions): aarch64, SW_MSI beside the HW doorbell, groups 3 and 4', () => {
    const { host, text } = importPlain('d05');
    expect([host.arch, host.iommu]).toEqual(['aarch64', 'arm-smmu-v3']);
    expect(host.groups.map((g) => [g.id, g.regions.map((r) => r.type)])).toEqual([[3, ['sw-msi', 'msi']], [4, ['sw-msi', 'msi']]]);
    expect(text).toContain("# inferred: arch aarch64: [0x8000000-0x80fffff] msi (group 3) is arm-smmu's 1 MiB SW_MSI window");
  });

  it('EPYC (grep -H, 48 groups): AMD, x86_64; identical groups in one header line', () => {
    const { host, text } = importPlain('epyc');
    expect([host.arch, host.iommu, host.groups.length]).toEqual(['x86_64', 'amd', 48]);
    expect(text).toContain("# inferred: iommu amd: [0xfd00000000-0xffffffffff] reserved (group 0) is AMD's HyperTransport range");
    expect(text).toContain('# inferred: groups 0-47 (48) have the same regions: [0xfee00000-0xfeefffff] msi, [0xfd00000000-0xffffffffff] reserved');
    expect(text.split('\n').filter((l) => l.startsWith('#')).length).toBeLessThan(10);
  });

  it('EPYC (grep -h | sort -u): one group 0, said so', () => {
    const { host, text } = importPlain('epyc-sort-u');
    expect([host.arch, host.iommu, host.groups.map((g) => g.id)]).toEqual(['x86_64', 'amd', [0]]);
    expect(text).toContain('# inferred: the capture names no group: group 0 (set with --group N)');
  });

  it('LX2160A (root@lx2160ardb:/sys/kernel/iommu_groups/5# cat reserved_regions): groups from the prompt\'s directory, SW_MSI only', () => {
    const { host } = importPlain('lx2160a');
    expect(host.arch).toBe('aarch64');
    expect(host.groups.map((g) => g.id)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(host.groups.every((g) => g.regions.length === 1 && g.regions[0]!.type === 'sw-msi')).toBe(true);
  });

  it('Comet Lake ([root@cometlake 11]# cat reserved_regions): Intel, kernel 5.4 from the `direct` ISA range', () => {
    const { host } = importPlain('cometlake');
    expect([host.arch, host.iommu, host.kernel]).toEqual(['x86_64', 'intel', '5.4']);
    expect(host.groups.find((g) => g.id === 11)!.regions[0]).toEqual({ start: 0n, last: 0xffffffn, type: 'direct', rmrr: false });
  });

  it('DL388p (grep -H | sort -u, groups out of order): Intel, the RMRRs stay direct', () => {
    const { host, text } = importPlain('dl388p');
    expect([host.arch, host.iommu, host.groups.length]).toEqual(['x86_64', 'intel', 31]);
    expect(host.groups.find((g) => g.id === 18)!.regions.map((r) => r.type)).toEqual(['direct', 'direct', 'msi']);
    expect(text).toContain('# inferred: groups 18-19 (2) have the same regions:');
  });
});

describe('the imported hosts answer as the library does', () => {
  it('EPYC without --iommu: the 1023 GiB q35 guest on QEMU 7.1 relocates and starts (was an Intel host, and failed)', () => {
    const { file } = importPlain('epyc');
    const r = JSON.parse(cli('run', '--scenario', 'amd-ht-qemu71', '--host', file, '--policy', 'kernel-rejects', '--trials', '3', '--out', join(tmp(), 'r'), '--json').stdout);
    expect(r[0]).toMatchObject({ vm_start_ok: 3 });
  });

  it('D05 without --arch: the NIC hotplug is refused over the HW doorbell (was an x86 host with two hardware doorbells)', () => {
    const { file } = importPlain('d05');
    const r = JSON.parse(cli('run', '--scenario', 'd05-hw-msi-hotplug', '--host', file, '--policy', 'kernel-rejects', '--trials', '3', '--out', join(tmp(), 'r'), '--json').stdout);
    expect(r[0]).toMatchObject({ hotplug_attempts: 3, hotplug_rejected_kernel: 3 });
  });
});

describe('flags override; a contradiction is a one-line warning naming the evidence', () => {
  it('--iommu intel on an EPYC capture', () => {
    const { host, stderr } = importPlain('epyc', '--iommu', 'intel');
    expect(host.iommu).toBe('intel');
    expect(stderr.split('\n')[0]).toBe("doorbell: warning: --iommu intel contradicts the capture: [0xfd00000000-0xffffffffff] reserved (group 0) is AMD's HyperTransport range");
  });
  it('--arch x86_64 on a D05 capture', () => {
    const { host, stderr } = importPlain('d05', '--arch', 'x86_64');
    expect(host.arch).toBe('x86_64');
    expect(stderr).toContain("doorbell: warning: --arch x86_64 contradicts the capture: [0x8000000-0x80fffff] msi (group 3) is arm-smmu's 1 MiB SW_MSI window\n");
  });
  it('an agreeing flag says nothing', () => {
    expect(importPlain('d05', '--arch', 'aarch64').stderr).not.toContain('warning');
  });
});

describe('--group applies or is refused', () => {
  it('applies to bare lines that name no group', () => {
    expect(importPlain('epyc-sort-u', '--group', '40').host.groups.map((g) => g.id)).toEqual([40]);
  });
  it('is refused in one line when the capture names its groups', () => {
    const r = cli('import', 'sysfs', `${PASTED}/d05.txt`, '--group', '7');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('doorbell: --group 7: the capture names its groups (3-4) — drop --group: it only names the group of bare lines\n');
  });
});

describe('prompt and command lines', () => {
  it('recognises the prompts people paste, and the group they name', () => {
    expect(readCommandLine('host:/$ cat /sys/kernel/iommu_groups/3/reserved_regions')).toEqual({ group: 3 });
    expect(readCommandLine('# cat /sys/kernel/iommu_groups/12/reserved_regions')).toEqual({ group: 12 });
    expect(readCommandLine('[root@x 19]# cat reserved_regions')).toEqual({ group: 19 });
    expect(readCommandLine('hrw@puchatek:28$ cat reserved_regions')).toEqual({ group: 28 });
    expect(readCommandLine('$ ls')).toEqual({});
    expect(readCommandLine('cat /sys/kernel/iommu_groups/5/reserved_regions')).toEqual({ group: 5 });
    expect(readCommandLine('==> /sys/kernel/iommu_groups/8/reserved_regions <==')).toEqual({ group: 8 });
    expect(readCommandLine('0x00000000fee00000 0x00000000feefffff msi')).toBeUndefined();
  });
  it('a leading cat line without a prompt names the group of the lines after it', () => {
    const c = parseCaptureText('cat /sys/kernel/iommu_groups/11/reserved_regions\n0x0000000000000000 0x0000000000ffffff direct\n', 'x');
    expect(c.groups.map((g) => g.id)).toEqual([11]);
    expect(c.groupsFromCommands).toBe(true);
  });
  it('lines quoted in a mail reply keep their data', () => {
    expect(stripMailQuote('> > 0x000000fd00000000 0x000000ffffffffff reserved')).toBe('0x000000fd00000000 0x000000ffffffffff reserved');
    const c = parseCaptureText('> $ grep -h . /sys/kernel/iommu_groups/*/reserved_regions | sort -u\n> 0x00000000fee00000 0x00000000feefffff msi\n', 'x');
    expect(c.groups[0]!.regions).toHaveLength(1);
  });
});

describe('inference rules', () => {
  const cap = (lines: string) => parseCaptureText(lines, 'x');
  it('0xfee00000-0xfeefffff msi is x86_64; alone it is Intel (intel/iommu.c, amd/iommu.c)', () => {
    const c = cap('0x00000000fee00000 0x00000000feefffff msi\n');
    expect(inferArch(c)?.value).toBe('x86_64');
    expect(inferIommu(c, 'x86_64')?.value).toBe('intel');
  });
  it('the HT range is AMD even without the MSI line', () => {
    expect(inferIommu(cap('0x000000fd00000000 0x000000ffffffffff reserved\n'), 'x86_64')?.value).toBe('amd');
  });
  it('an msi window of another size at 0x8000000 is no SW_MSI evidence', () => {
    expect(inferArch(cap('0x0000000008000000 0x000000000801ffff msi\n'))).toBeUndefined();
  });
  it('notes of identical groups merge; ids print as ranges', () => {
    expect(idRanges([0, 1, 2, 3, 7, 9, 10])).toBe('0-3, 7, 9-10');
    expect(summariseGroupNotes(['group 1 x', 'group 2 x', 'group 3 y', 'other'])).toEqual(['other', 'groups 1-2 (2): x', 'group 3 y']);
  });
  it('the tree form still reads device names', () => {
    expect(readCapture(join(ROOT, 'test/fixtures/sysfs/amd-tree')).groups[0]!.devices).toEqual(['0000:41:00.2']);
  });
});

describe('a raw capture where a host file belongs', () => {
  const message = (f: string) => `${f}: this looks like a sysfs capture — run \`doorbell import sysfs ${f}\` and use the host file it writes`;
  it('run --host says to import it, in one line', () => {
    const f = `${PASTED}/d05.txt`;
    const r = cli('run', '--scenario', 'd05-hw-msi-hotplug', '--host', f, '--trials', '1', '--out', join(tmp(), 'r'));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`doorbell: ${message(f)}\n`);
  });
  it('validate says the same', () => {
    const f = `${PASTED}/epyc.txt`;
    const r = cli('validate', f);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`${message(f)}\n`);
  });
  it('check takes it as it is, with the inference listed', () => {
    const r = cli('check', 'test/fixtures/check/lp1869006.sh', '--host', `${PASTED}/epyc-sort-u.txt`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("assumed: iommu amd: [0xfd00000000-0xffffffffff] reserved (group 0) is AMD's HyperTransport range");
    expect(r.stdout).toContain('assumed: vf0 (0000:41:00.2) put in group 0, the host\'s only group');
  });
});
