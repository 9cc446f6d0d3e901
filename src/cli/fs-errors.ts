// A failure of the file system (read-only, full, a path that cannot be) is
// the environment's, not doorbell's: one line naming the path, exit 2.
import { InputError } from '../errors.js';

const WHY: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  ENAMETOOLONG: 'the name is too long',
  ENOENT: 'no such file or directory',
  EEXIST: 'already exists',
  ENOTEMPTY: 'the directory is not empty',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error',
  EXDEV: 'not on the same file system',
  EBUSY: 'busy',
  ELOOP: 'too many symbolic links',
  EFBIG: 'file too large',
  EINVAL: 'invalid argument',
};

export function isFsError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

/** `e` as one line: `what PATH: reason (CODE) — expected`. Anything not a file-system error is returned as is. */
export function fsFailure(e: unknown, what: string, expected: string): unknown {
  if (e instanceof InputError || !isFsError(e)) return e;
  const code = e.code!;
  return new InputError(`${what}: ${WHY[code] ?? e.message.split('\n')[0]} (${code})`, expected);
}

/** Runs `fn`, turning a file-system failure into that one line. */
export function withFs<T>(what: string, expected: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw fsFailure(e, what, expected);
  }
}
