// Every input file is read through here: a regular file only (a FIFO would
// block, /dev/zero never ends), its size checked before reading, and never
// more than the limit + 1 bytes read (a file that grows while read).
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { InputError } from './errors.js';

const why = (e: unknown) => (e as NodeJS.ErrnoException).code ?? 'error';

export function readLimited(path: string, display: string, what: string, limit: number, expected = 'a readable YAML file'): Buffer {
  const tooBig = (n: number | string) => new InputError(`${display}: file is ${n} bytes`, `a ${what} of at most ${limit} bytes`);
  const notRegular = (isDir: boolean) => new InputError(`${display}: ${isDir ? 'is a directory' : 'is not a regular file'}`, `a ${what} (a regular file)`);
  let fd: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw notRegular(st.isDirectory());
    if (st.size > limit) throw tooBig(st.size);
    // O_NONBLOCK: a file swapped for a FIFO since the check does not block the open.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${display}: cannot read ${what} (${why(e)})`, expected);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw notRegular(st.isDirectory());
    let buf = Buffer.alloc(Math.min(limit + 1, st.size + 1));
    let total = 0;
    for (;;) {
      if (total === buf.length) {
        if (total > limit) throw tooBig(`more than ${limit}`);
        const grown = Buffer.alloc(Math.min(limit + 1, buf.length * 2 + 4096));
        buf.copy(grown, 0, 0, total);
        buf = grown;
      }
      const n = readSync(fd, buf, total, buf.length - total, null);
      if (n === 0) return buf.subarray(0, total);
      total += n;
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${display}: cannot read ${what} (${why(e)})`, expected);
  } finally {
    closeSync(fd);
  }
}
