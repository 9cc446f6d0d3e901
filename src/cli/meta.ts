// Facts about this doorbell for run.json: version, repository, git commit
// and whether the checkout had uncommitted changes when the run was made.
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../scenario/builtin.js';

function packageJson(): { version: string; repository?: string | { url?: string } } {
  return JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string; repository?: string | { url?: string } };
}

export function doorbellVersion(): string {
  return packageJson().version;
}

/** package.json's repository (a string or { url }), undefined when it names none. */
export function doorbellRepository(): string | undefined {
  const r = packageJson().repository;
  const url = typeof r === 'string' ? r : r?.url;
  return url ? url.replace(/^git\+/, '') : undefined;
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: packageRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

/** The commit of the checkout doorbell runs from; undefined when installed (a repository around node_modules is not doorbell's). */
export function gitCommit(): string | undefined {
  const top = git(['rev-parse', '--show-toplevel'])?.trim();
  if (!top || realpathSync(top) !== realpathSync(packageRoot())) return undefined;
  return git(['rev-parse', 'HEAD'])?.trim() || undefined;
}

/**
 * Whether tracked files differ from the commit (untracked files, such as a
 * results directory or the user's own scenario, whose hashes run.json
 * records, do not count); undefined outside a checkout.
 */
export function gitDirty(): boolean | undefined {
  if (gitCommit() === undefined) return undefined;
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  return status === undefined ? undefined : status.trim() !== '';
}
