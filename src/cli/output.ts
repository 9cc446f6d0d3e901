// Results are written whole or not at all: into a temporary sibling
// directory, renamed into place when complete. Streams (trials.csv) write
// into the temporary directory as the run goes. `--force` replaces only a
// directory doorbell wrote (or an empty one), and only once the new one is
// complete: the old one is renamed aside, the new one renamed in, the old
// one removed.
import { type WriteStream, chmodSync, createWriteStream, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { fsFailure, isFsError, withFs } from './fs-errors.js';

/** Every name doorbell writes in a results directory; `.partial-*` is a `report` left half-done. */
const RESULT_FILES = new Set(['run.json', 'summary.csv', 'paired.csv', 'trials.csv', 'report.txt', 'report-full.txt', 'report.md', 'checkpoint.jsonl']);
const CHARTS = 'charts';
const STAGING = /^\.(partial-|charts\.old-)/;

export type Existing =
  | { readonly kind: 'absent' }
  | { readonly kind: 'empty' }
  | { readonly kind: 'results'; readonly complete: boolean }
  | { readonly kind: 'foreign'; readonly why: string };

function entryKind(path: string): 'file' | 'dir' | 'other' {
  const st = lstatSync(path);
  return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
}

/** What is at `dir`: nothing, an empty directory, a results directory doorbell wrote, or something else. */
export function inspectOut(dir: string): Existing {
  let kind;
  try {
    kind = entryKind(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    throw e;
  }
  if (kind !== 'dir') return { kind: 'foreign', why: kind === 'file' ? 'it is a file' : 'it is not a directory' };
  const names = readdirSync(dir).sort();
  if (names.length === 0) return { kind: 'empty' };
  for (const name of names) {
    const path = join(dir, name);
    if (STAGING.test(name) && entryKind(path) === 'dir') continue;
    if (name === CHARTS && entryKind(path) === 'dir') {
      const odd = readdirSync(path).sort().find((c) => !c.endsWith('.png') || entryKind(join(path, c)) !== 'file');
      if (odd !== undefined) return { kind: 'foreign', why: `it holds charts/${odd}` };
      continue;
    }
    if (!RESULT_FILES.has(name) || entryKind(path) !== 'file') return { kind: 'foreign', why: `it holds ${name}` };
  }
  if (!names.includes('run.json')) return { kind: 'foreign', why: 'it has no run.json' };
  let run: unknown;
  try {
    run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
  } catch {
    run = undefined;
  }
  const r = run as { doorbell?: unknown; incomplete?: unknown } | undefined;
  if (!r || typeof r !== 'object' || (typeof r.doorbell !== 'string' && r.incomplete !== true)) return { kind: 'foreign', why: 'its run.json is not one doorbell wrote' };
  return { kind: 'results', complete: r.incomplete !== true };
}

/** `--out DIR`: absent, or (with --force) empty or a results directory doorbell wrote. */
export function checkWritable(dir: string, force: boolean, flag = '--out'): void {
  if (dir.trim() === '') throw new InputError(`${flag}: '' is not a directory name`, 'a path for the results directory');
  if (resolve(dir) === dirname(resolve(dir))) throw new InputError(`${flag}: ${dir} is the root directory`, 'a path for the results directory');
  const existing = withFs(`${flag} ${dir}`, 'a path doorbell can look at', () => inspectOut(dir));
  if (existing.kind === 'absent') return;
  if (!force) throw new InputError(`${flag}: ${dir} already exists`, 'a new directory, or --force to replace it');
  if (existing.kind === 'foreign') {
    throw new InputError(`${flag} ${dir}: not a doorbell results directory (${existing.why}); --force replaces only those`, 'a new or empty directory, or one doorbell wrote');
  }
}

/** Puts the directory `from` at `to`, replacing what is there only after `from` is complete and in place. */
function swapInto(from: string, to: string): void {
  if (inspectOut(to).kind === 'absent') return renameSync(from, to);
  const old = mkdtempSync(join(dirname(resolve(to)), `.${basename(resolve(to)).slice(0, 64)}.old-`));
  renameSync(to, old);
  try {
    renameSync(from, to);
  } catch (e) {
    renameSync(old, to);
    throw e;
  }
  try {
    rmSync(old, { recursive: true, force: true });
  } catch {
    // The new results are in place; an old copy that cannot be removed stays hidden beside them.
  }
}

export class ResultsDir {
  private readonly tmp: string;
  private streams: WriteStream[] = [];
  private streamError: unknown;
  private readonly what: string;

  constructor(private readonly dir: string, private readonly force: boolean, flag = '--out') {
    checkWritable(dir, force, flag);
    this.what = `${flag} ${dir}`;
    this.tmp = withFs(this.what, 'a directory doorbell can create and write', () => {
      const parent = dirname(resolve(dir));
      mkdirSync(parent, { recursive: true });
      const tmp = mkdtempSync(join(parent, `.${basename(resolve(dir)).slice(0, 64)}.partial-`));
      chmodSync(tmp, 0o755);
      return tmp;
    });
  }

  /** The temporary directory, for files written as the run goes. */
  get path(): string {
    return this.tmp;
  }

  /** A write to a stream that failed (a full disk), as one line; undefined while all is well. */
  get failure(): unknown {
    return this.streamError === undefined ? undefined : fsFailure(this.streamError, this.what, 'a writable directory with free space');
  }

  remove(name: string): void {
    rmSync(join(this.tmp, name), { force: true });
  }

  stream(name: string): WriteStream {
    const s = createWriteStream(join(this.tmp, name));
    s.on('error', (e) => (this.streamError ??= e));
    this.streams.push(s);
    return s;
  }

  /** Runs `fn` (which writes into the temporary directory), reporting a file-system failure in one line. */
  guard<T>(fn: () => T): T {
    return withFs(this.what, 'a writable directory with free space', fn);
  }

  write(files: ReadonlyMap<string, string | Buffer>): void {
    this.guard(() => {
      for (const [rel, content] of files) {
        mkdirSync(dirname(join(this.tmp, rel)), { recursive: true });
        writeFileSync(join(this.tmp, rel), content);
      }
    });
  }

  /**
   * Closes the streams and renames the directory into place. With
   * `dropStreams` (an interrupted run) the streamed files are half-written
   * and are removed instead.
   */
  async commit(opts: { dropStreams?: boolean } = {}): Promise<void> {
    await Promise.all(this.streams.map((s) => new Promise<void>((done) => {
      if (s.closed) return done();
      s.once('close', () => done());
      s.end();
    })));
    if (this.failure !== undefined) throw this.failure;
    this.commitNow(opts);
  }

  /** The synchronous part of commit, for when the streams are already closed (or there are none). */
  commitNow(opts: { dropStreams?: boolean } = {}): void {
    if (opts.dropStreams) for (const s of this.streams) rmSync(String(s.path), { force: true });
    checkWritable(this.dir, this.force);
    this.guard(() => swapInto(this.tmp, this.dir));
  }

  /** Leaves nothing behind. */
  abort(): void {
    for (const s of this.streams) s.destroy();
    try {
      rmSync(this.tmp, { recursive: true, force: true });
    } catch (e) {
      if (!isFsError(e)) throw e;
    }
  }
}

/** A file written whole or not at all: a hidden sibling, renamed over `path` when complete. */
export function writeFileAtomic(path: string, content: string | Buffer, what: string): void {
  const tmp = join(dirname(resolve(path)), `.${basename(resolve(path)).slice(0, 64)}.partial-${process.pid}`);
  withFs(what, 'a writable directory with free space', () => {
    try {
      writeFileSync(tmp, content, { flag: 'w' });
      renameSync(tmp, path);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  });
}

/**
 * `doorbell report DIR`: the rendered files replace their old versions in
 * DIR, each by a rename (charts/ as a whole), after all are written.
 */
export function replaceRendered(dir: string, files: ReadonlyMap<string, string | Buffer>): void {
  withFs(dir, 'a results directory doorbell can write into', () => {
    const stage = mkdtempSync(join(dir, '.partial-'));
    try {
      for (const [rel, content] of files) {
        mkdirSync(dirname(join(stage, rel)), { recursive: true });
        writeFileSync(join(stage, rel), content);
      }
      for (const name of readdirSync(stage).sort()) {
        if (name === CHARTS) swapInto(join(stage, CHARTS), join(dir, CHARTS));
        else renameSync(join(stage, name), join(dir, name));
      }
    } finally {
      rmSync(stage, { recursive: true, force: true });
    }
  });
}
