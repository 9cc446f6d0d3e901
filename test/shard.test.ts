// --shard I/N and doorbell merge: the pieces of a run make the whole, byte for byte.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..');
const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), ...args], { cwd: ROOT, encoding: 'utf8' });

function files(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel)).flatMap((f) => (statSync(join(dir, rel, f)).isDirectory() ? files(dir, join(rel, f)) : [join(rel, f)])).sort();
}

describe('shards', () => {
  const dir = mkdtempSync(join(tmpdir(), 'doorbell-shard-'));
  const common = ['--scenario', 'd05-hw-msi-hotplug', '--scenario', 'migrate-to-d05', '--scenario', 'p2p-bridge-window', '--trials', '40', '--keep-trials', '--quiet'];

  it('merged shards equal the unsharded run, every file', () => {
    for (const i of [1, 2]) expect(cli('run', ...common, '--shard', `${i}/2`, '--out', join(dir, `s${i}`)).status).toBe(0);
    expect(cli('run', ...common, '--out', join(dir, 'whole')).status).toBe(0);
    const m = cli('merge', join(dir, 's2'), join(dir, 's1'), '--out', join(dir, 'merged'));
    expect(m.status, m.stderr).toBe(0);
    expect(files(join(dir, 'merged'))).toEqual(files(join(dir, 'whole')));
    for (const f of files(join(dir, 'whole'))) expect(readFileSync(join(dir, 'merged', f)).equals(readFileSync(join(dir, 'whole', f))), f).toBe(true);
  });

  it('refuses an incomplete set of shards, and shards of different runs', () => {
    const r = cli('merge', join(dir, 's1'), '--out', join(dir, 'x'));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('doorbell: shards 1 of 2 — each of 1..2 exactly once\n');
    expect(cli('run', ...common, '--seed', '9', '--shard', '2/2', '--out', join(dir, 'other')).status).toBe(0);
    const bad = cli('merge', join(dir, 's1'), join(dir, 'other'), '--out', join(dir, 'y'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/other: run\.json differs from .*s1 in more than the shard/);
  });

  it('--shard takes I/N only', () => {
    const r = cli('run', '--shard', '3/2', '--out', join(dir, 'z'));
    expect(r.stderr).toBe("doorbell: --shard: '3/2' is not a shard — I/N with 1 <= I <= N, e.g. 2/8\n");
  });
});
