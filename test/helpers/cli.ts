// Running the built CLI as a user does, and looking at what it left on disk.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
export const BIN = join(ROOT, 'dist/src/cli/main.js');
export const POL = 'test/fixtures/policies';

export const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
export const tmp = (tag = 'doorbell-robust-') => mkdtempSync(join(tmpdir(), tag));

/** Every file under `dir` with its bytes (directories end in /): what is on disk, to compare before and after. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(join(dir, r)).isDirectory()) {
        out[`${r}/`] = '';
        walk(r);
      } else out[r] = readFileSync(join(dir, r)).toString('base64');
    }
  };
  walk('');
  return out;
}

/** The one line a failure prints: exactly one line, `doorbell: ...`, no stack trace. */
export function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  if (lines.length !== 1 || !lines[0]!.startsWith('doorbell: ') || /internal error|\n\s+at /.test(stderr)) throw new Error(`not one line:\n${stderr}`);
  return lines[0]!;
}

/** Mount namespaces with a tmpfs (root in a container): for full and read-only disks. */
export const canMount = (() => {
  const r = spawnSync('unshare', ['-m', 'sh', '-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" && umount "$d" && rmdir "$d"'], { encoding: 'utf8' });
  return r.status === 0;
})();

/** `script` (sh) in a private mount namespace where `dir` is a tmpfs of `size` (ro: read-only). */
export function inTmpfs(dir: string, size: string, script: string, ro = false) {
  const mount = `mount -t tmpfs -o size=${size}${ro ? ',ro' : ''} tmpfs '${dir}'`;
  return spawnSync('unshare', ['-m', 'sh', '-c', `${mount} && cd '${ROOT}' && ${script}`], { encoding: 'utf8' });
}

export const doorbellSh = `'${process.execPath}' '${BIN}'`;

/** A run started in the background, with its stderr collected. */
export function start(args: string[]): { child: ChildProcess; stderr: () => string; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += String(d)));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return { child, stderr: () => err, exit };
}

/** Polls `cond` every 10 ms until it holds or the run ended; true if it held. */
export async function until(cond: () => boolean, ended: () => boolean, limitMs = 120_000): Promise<boolean> {
  for (let waited = 0; waited < limitMs; waited += 10) {
    if (cond()) return true;
    if (ended()) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

/** The hidden temporary directories doorbell makes beside DIR while it works. */
export const partials = (parent: string) => readdirSync(parent).filter((n) => /\.partial-|\.old-/.test(n));

/** Lines in the checkpoint of the run writing beside `parent` (in its temporary directory). */
export function checkpointLines(parent: string): number {
  for (const d of partials(parent)) {
    const f = join(parent, d, 'checkpoint.jsonl');
    if (existsSync(f)) return readFileSync(f, 'utf8').split('\n').filter(Boolean).length;
  }
  return 0;
}
