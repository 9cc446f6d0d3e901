// Results are written whole or not at all: into a temporary sibling
// directory, renamed into place when complete.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../errors.js';

export function checkWritable(dir: string, force: boolean): void {
  if (existsSync(dir) && !force) throw new InputError(`--out: ${dir} already exists`, 'a new directory, or --force to replace it');
}

export function writeResultsDir(dir: string, files: ReadonlyMap<string, string | Buffer>, force: boolean): void {
  checkWritable(dir, force);
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tmp = mkdtempSync(join(parent, `.${basename(dir)}.partial-`));
  try {
    chmodSync(tmp, 0o755);
    for (const [rel, content] of files) {
      const path = join(tmp, rel);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
