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

  /** Closes the streams and renames the directory into place. */
  async commit(): Promise<void> {
    await Promise.all(this.streams.map((s) => new Promise<void>((resolve, reject) => s.end((e?: Error | null) => (e ? reject(e) : resolve())))));
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
