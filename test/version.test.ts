// `doorbell --version` (issue 15, citable): the version from package.json;
// from a git checkout of doorbell, its commit and a dirty flag; elsewhere the
// version alone.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatVersion, gitState } from '../src/cli/version.js';
import { ROOT, cli, tmp } from './helpers/cli.js';

const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();

/** A copy of the built package (package.json, scenarios/, dist/) at `dir`, node_modules linked. */
function copyPackage(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const f of ['package.json', 'scenarios', 'dist']) cpSync(join(ROOT, f), join(dir, f), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
}

describe('doorbell --version', () => {
  it('prints the package version and, in this checkout, its commit and whether tracked files changed', () => {
    const r = cli('--version');
    expect(r.status, r.stderr).toBe(0);
    const dirty = git(ROOT, 'status', '--porcelain', '--untracked-files=no') !== '';
    expect(r.stdout).toBe(`doorbell ${version} (commit ${git(ROOT, 'rev-parse', 'HEAD')}${dirty ? ', dirty' : ''})\n`);
    expect(cli('run', '--version').stdout).toBe(r.stdout);
  });

  it('prints the version alone where there is no git checkout', () => {
    const dir = join(tmp('doorbell-version-'), 'pkg');
    copyPackage(dir);
    const r = spawnSync(process.execPath, [join(dir, 'dist/src/cli/main.js'), '--version'], { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_CEILING_DIRECTORIES: join(dir, '..') } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`doorbell ${version}\n`);
  }, 60_000);

  it('names a commit only of doorbell\'s own checkout, and flags a changed tracked file as dirty', () => {
    const repo = tmp('doorbell-version-repo-');
    const ident = ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid'];
    git(repo, 'init', '-q');
    writeFileSync(join(repo, 'README'), 'a user project\n');
    git(repo, 'add', 'README');
    git(repo, ...ident, 'commit', '-qm', 'init');
    // An installed copy inside someone else's repository: that repository's commit is not doorbell's.
    const inside = join(repo, 'node_modules', 'doorbell');
    mkdirSync(inside, { recursive: true });
    writeFileSync(join(inside, 'package.json'), '{}');
    expect(gitState(inside)).toBeUndefined();
    // doorbell's own checkout: clean, then dirty once a tracked file changes (an untracked file does not count).
    const own = tmp('doorbell-version-own-');
    writeFileSync(join(own, 'package.json'), '{}');
    git(own, 'init', '-q');
    git(own, 'add', 'package.json');
    git(own, ...ident, 'commit', '-qm', 'init');
    const head = git(own, 'rev-parse', 'HEAD');
    writeFileSync(join(own, 'notes.txt'), 'untracked\n');
    expect(gitState(own)).toEqual({ commit: head, dirty: false });
    writeFileSync(join(own, 'package.json'), '{"changed":true}');
    expect(gitState(own)).toEqual({ commit: head, dirty: true });
    expect(formatVersion('1.2.3', gitState(own))).toBe(`doorbell 1.2.3 (commit ${head}, dirty)`);
    expect(formatVersion('1.2.3', undefined)).toBe('doorbell 1.2.3');
  });
});

describe('LICENSE', () => {
  it('is the licence package.json names (MIT), with its copyright line', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string };
    expect(pkg.license).toBe('MIT');
    const text = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(text.split('\n')[0]).toBe('MIT License');
    expect(text).toContain('Copyright (c) 2026 the doorbell authors');
    expect(text).toContain('Permission is hereby granted, free of charge');
  });
});
