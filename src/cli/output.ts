// Results are written whole or not at all: into a temporary sibling
// directory, renamed into place when complete. Streams (trials.csv) write
// into the temporary directory as the run goes.
import { type WriteStream, chmodSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../errors.js';

export function checkWritable(dir: string, force: boolean): void {
  if (existsSync(dir) && !force) throw new InputError(`--out: ${dir} already exists`, 'a new directory, or --force to replace it');
}

export class ResultsDir {
  private readonly tmp: string;
  private streams: WriteStream[] = [];

  constructor(private readonly dir: string, private readonly force: boolean) {
    checkWritable(dir, force);
    mkdirSync(dirname(dir), { recursive: true });
    this.tmp = mkdtempSync(join(dirname(dir), `.${basename(dir)}.partial-`));
    chmodSync(this.tmp, 0o755);
  }

  /** The temporary directory, for files written as the run goes. */
  get path(): string {
    return this.tmp;
  }

  remove(name: string): void {
    rmSync(join(this.tmp, name), { force: true });
  }

  stream(name: string): WriteStream {
    const s = createWriteStream(join(this.tmp, name));
    this.streams.push(s);
    return s;
  }

  write(files: ReadonlyMap<string, string | Buffer>): void {
    for (const [rel, content] of files) {
      mkdirSync(dirname(join(this.tmp, rel)), { recursive: true });
      writeFileSync(join(this.tmp, rel), content);
    }
  }

  /**
   * Closes the streams and renames the directory into place. With
   * `dropStreams` (an interrupted run) the streamed files are half-written
   * and are removed instead.
   */
  async commit(opts: { dropStreams?: boolean } = {}): Promise<void> {
    await Promise.all(this.streams.map((s) => new Promise<void>((resolve, reject) => s.end((e?: Error | null) => (e ? reject(e) : resolve())))));
    if (opts.dropStreams) for (const s of this.streams) rmSync(String(s.path), { force: true });
    checkWritable(this.dir, this.force);
    if (existsSync(this.dir)) rmSync(this.dir, { recursive: true, force: true });
    renameSync(this.tmp, this.dir);
  }

  /** Leaves nothing behind. */
  abort(): void {
    for (const s of this.streams) s.destroy();
    rmSync(this.tmp, { recursive: true, force: true });
  }
}
