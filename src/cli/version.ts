// `doorbell --version`: the version from package.json, and, when doorbell
// runs from a git checkout of its own, the commit and whether tracked files
// differ from it — enough to name exactly which code produced a number.
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { packageRoot } from '../scenario/builtin.js';
import { doorbellVersion } from './meta.js';

export interface GitState {
  readonly commit: string;
  readonly dirty: boolean;
}

const git = (args: string[], cwd: string) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();

/**
 * The checkout doorbell runs from, or undefined (no git, not a checkout, or
 * an installed copy inside someone else's repository: its commit would not
 * name doorbell's code). Untracked files do not count as dirty: they change
 * nothing doorbell computes unless named on the command line, and those
 * files' hashes go to run.json.
 */
export function gitState(root = packageRoot()): GitState | undefined {
  try {
    if (realpathSync(git(['rev-parse', '--show-toplevel'], root)) !== realpathSync(root)) return undefined;
    const commit = git(['rev-parse', 'HEAD'], root);
    if (!/^[0-9a-f]{40,64}$/.test(commit)) return undefined;
    return { commit, dirty: git(['status', '--porcelain', '--untracked-files=no'], root) !== '' };
  } catch {
    return undefined;
  }
}

/** `doorbell 0.1.0 (commit 0123…, dirty)`, or `doorbell 0.1.0` outside a checkout. */
export function formatVersion(version: string, state: GitState | undefined): string {
  if (!state) return `doorbell ${version}`;
  return `doorbell ${version} (commit ${state.commit}${state.dirty ? ', dirty' : ''})`;
}

export const versionLine = (): string => formatVersion(doorbellVersion(), gitState());
