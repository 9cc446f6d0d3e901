// Layout tier, real side: the QEMU binaries alone (the host's 7.2; 10.0 and
// 5.2 inside their root filesystems), stopped after machine init (-S), asked
// for the flat view of guest memory over QMP (`info mtree -f`). RAM is a
// reserve=off backend (QEMU ≥ 6.1), so a 1 TiB guest costs nothing.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_HEADER } from './fixtures.js';
import { maskQemu } from './real-guest.js';
import { cacheDir } from './real-run.js';
import type { LayoutCase, LayoutRun } from './types.js';

function qmpInput(c: LayoutCase): string {
  const cmds = ['{"execute":"qmp_capabilities"}'];
  if (c.dimmMiB) {
    cmds.push(
      `{"execute":"object-add","arguments":{"qom-type":"memory-backend-ram","id":"mem1","size":${BigInt(c.dimmMiB) << 20n}}}`,
      '{"execute":"device_add","arguments":{"driver":"pc-dimm","id":"dimm1","memdev":"mem1"}}',
    );
  }
  cmds.push('{"execute":"human-monitor-command","arguments":{"command-line":"info mtree -f"}}', '{"execute":"quit"}');
  return cmds.join('\n') + '\n';
}

function argv(c: LayoutCase, reserveOff: boolean): string[] {
  const mem = `${c.ramMiB}M${c.maxMiB ? `,slots=2,maxmem=${c.maxMiB}M` : ''}`;
  const ram = reserveOff
    ? ['-m', mem, '-machine', 'memory-backend=m0', '-object', `memory-backend-ram,id=m0,size=${c.ramMiB}M,reserve=off`]
    : ['-m', mem];
  // virt creates the acpi-ged that pc-dimm needs only with firmware: an empty flash image
  const bios = c.dimmMiB && c.machine.startsWith('virt') ? ['-bios', '/tmp/doorbell-conformance-bios.fd'] : [];
  return [c.binary, '-S', '-nodefaults', '-display', 'none', '-qmp', 'stdio', '-M', c.machine, ...(c.cpu ? ['-cpu', c.cpu] : []), ...ram, ...bios];
}

/** The "memory" address space's flat view, one line per RAM/ROM section. */
export function sectionsOf(reply: string): string[] {
  const view = reply.split('FlatView').find((v) => v.includes('AS "memory"')) ?? '';
  const out: string[] = [];
  for (const l of view.split('\n')) {
    const m = /^\s*([0-9a-f]+)-([0-9a-f]+) \(prio -?\d+, (ram|rom|romd|i\/o)\): (\S+)/.exec(l);
    if (m && m[3] !== 'i/o') out.push(`0x${BigInt('0x' + m[1]).toString(16)} 0x${BigInt('0x' + m[2]).toString(16)} ${m[3]} ${m[4]}`);
  }
  return out;
}

/** What a probe asks QEMU, as recorded in its capture (a capture of another case list is not compared). */
export function layoutInvocation(run: LayoutRun, c: LayoutCase): string {
  return [...argv(c, run.root !== 'bullseye'), ...qmpInput(c).trim().split('\n')].join(' ');
}

export function probeLayout(run: LayoutRun, c: LayoutCase): string[] {
  const root = run.root === 'host' ? '/' : join(cacheDir(), `root-${run.root}`);
  const reserveOff = run.root !== 'bullseye';
  writeFileSync(join(root, 'tmp', 'doorbell-conformance-bios.fd'), Buffer.alloc(2 << 20));
  const cmd = run.root === 'host'
    ? argv(c, reserveOff)
    : ['unshare', '-m', '--propagation', 'private', 'sh', '-c', 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"', root, ...argv(c, reserveOff)];
  const r = spawnSync(cmd[0]!, cmd.slice(1), { input: qmpInput(c), encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  const out: string[] = [`${c.name} ARGS ${layoutInvocation(run, c)}`];
  for (const line of `${r.stdout ?? ''}\n${r.stderr ?? ''}`.split('\n')) {
    const t = line.trim();
    if (t.startsWith('{')) {
      try {
        const j = JSON.parse(t) as { return?: unknown; error?: { desc?: string } };
        if (typeof j.return === 'string') out.push(...sectionsOf(j.return).map((s) => `${c.name} SECTION ${s}`));
        if (j.error) out.push(`${c.name} ERR qmp: ${maskQemu(j.error.desc ?? '')}`);
      } catch { /* not JSON */ }
    } else if (/^qemu-system-\S+: /.test(t) && !/TCG doesn't support requested feature/.test(t)) out.push(`${c.name} ERR ${maskQemu(t)}`);
  }
  if (r.error) out.push(`${c.name} ERR ${r.error.message}`);
  return out;
}

export function layoutFixture(run: LayoutRun): string {
  return [FIXTURE_HEADER, `# layout tier, ${run.id} (${run.root === 'host' ? "the host's QEMU" : `QEMU in root-${run.root}`}): info mtree -f after machine init`,
    ...run.cases.flatMap((c) => probeLayout(run, c)), ''].join('\n');
}
