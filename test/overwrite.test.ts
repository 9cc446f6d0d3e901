// Issue 17 item 1: --force replaces only what doorbell wrote (a results
// directory it recognises by its run.json and its file names, or an empty
// directory), atomically; anything else is one line, exit 2, untouched.
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointLines, cli, oneLine, partials, snapshot, start, tmp, until } from './helpers/cli.js';

const RUN = ['run', '--scenario', 'd05-hw-msi-hotplug', '--trials', '3', '--quiet'];
const refused = (dir: string, why: string) => `doorbell: --out ${dir}: not a doorbell results directory (${why}); --force replaces only those — a new or empty directory, or one doorbell wrote`;

describe('--out DIR --force', () => {
  it('the issue reproducer: a directory holding a thesis is left untouched, exit 2, one line', () => {
    const dir = tmp();
    const precious = join(dir, 'precious');
    mkdirSync(join(precious, 'sub'), { recursive: true });
    writeFileSync(join(precious, 'thesis.tex'), 'thesis\n');
    const before = snapshot(precious);
    const r = cli(...RUN, '--out', precious, '--force');
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toBe(refused(precious, 'it holds sub'));
    expect(snapshot(precious)).toEqual(before);
    expect(partials(dir)).toEqual([]);
  });

  it('a results directory with a file of the user added to it, a file, a symbolic link: refused, untouched', () => {
    const dir = tmp();
    const out = join(dir, 'r');
    expect(cli(...RUN, '--out', out).status).toBe(0);
    writeFileSync(join(out, 'notes.txt'), 'mine\n');
    const before = snapshot(out);
    expect(oneLine(cli(...RUN, '--out', out, '--force').stderr)).toBe(refused(out, 'it holds notes.txt'));
    expect(snapshot(out)).toEqual(before);
    writeFileSync(join(out, 'charts', 'notes.txt'), 'mine\n');
    const file = join(dir, 'file');
    writeFileSync(file, 'data\n');
    const r = cli(...RUN, '--out', file, '--force');
    expect([r.status, oneLine(r.stderr)]).toEqual([2, refused(file, 'it is a file')]);
    expect(readFileSync(file, 'utf8')).toBe('data\n');
    const link = join(dir, 'link');
    symlinkSync(out, link);
    expect(oneLine(cli(...RUN, '--out', link, '--force').stderr)).toBe(refused(link, 'it is not a directory'));
    const fake = join(dir, 'fake');
    mkdirSync(fake);
    writeFileSync(join(fake, 'run.json'), '{"name": "not doorbell"}\n');
    expect(oneLine(cli(...RUN, '--out', fake, '--force').stderr)).toBe(refused(fake, "its run.json is not one doorbell wrote"));
  });

  it('replaces an empty directory and a results directory doorbell wrote', () => {
    const dir = tmp();
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect(cli(...RUN, '--out', empty, '--force').status).toBe(0);
    expect(JSON.parse(readFileSync(join(empty, 'run.json'), 'utf8')).trials).toBe(3);
    const again = cli(...RUN.map((a) => (a === '3' ? '4' : a)), '--out', empty, '--force');
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(empty, 'run.json'), 'utf8')).trials).toBe(4);
    expect(partials(dir)).toEqual([]);
  });

  it('is atomic: the old results stay whole while the new run works, and after it is interrupted', async () => {
    const dir = tmp();
    const out = join(dir, 'r');
    expect(cli(...RUN, '--out', out).status).toBe(0);
    const before = snapshot(out);
    const run = start(['run', '--scenario', 'd05-hw-msi-hotplug', '--scenario', 'p2p-bridge-window', '--trials', '20000', '--jobs', '1', '--quiet', '--out', out, '--force']);
    let ended = false;
    void run.exit.then(() => (ended = true));
    expect(await until(() => checkpointLines(dir) >= 1, () => ended)).toBe(true);
    expect(snapshot(out)).toEqual(before); // mid-run: untouched
    run.child.kill('SIGINT');
    expect((await run.exit).code).toBe(130);
    expect(run.stderr()).toBe(`doorbell: interrupted; nothing was written (${out}/ keeps its earlier results)\n`);
    expect(snapshot(out)).toEqual(before);
    expect(partials(dir)).toEqual([]);
  });
});

describe('merge --force, import --out --force, report', () => {
  it('merge --out over a directory doorbell did not write: one line, exit 2, untouched', () => {
    const dir = tmp();
    for (const i of [1, 2]) expect(cli(...RUN, '--scenario', 'p2p-bridge-window', '--shard', `${i}/2`, '--out', join(dir, `s${i}`)).status).toBe(0);
    const precious = join(dir, 'precious');
    mkdirSync(precious);
    writeFileSync(join(precious, 'thesis.tex'), 'thesis\n');
    const r = cli('merge', join(dir, 's1'), join(dir, 's2'), '--out', precious, '--force');
    expect([r.status, oneLine(r.stderr)]).toEqual([2, refused(precious, 'it holds thesis.tex')]);
    expect(snapshot(precious)).toEqual({ 'thesis.tex': Buffer.from('thesis\n').toString('base64') });
    const ok = cli('merge', join(dir, 's1'), join(dir, 's2'), '--out', join(dir, 's1'), '--force');
    expect(ok.status, ok.stderr).toBe(0); // a results directory doorbell wrote may be replaced
  });

  it('import --out --force replaces only a host file doorbell import wrote', () => {
    const dir = tmp();
    const mine = join(dir, 'board.yaml');
    writeFileSync(mine, 'platform: my board\n');
    const r = cli('import', 'sysfs', 'test/fixtures/sysfs/d05-grep.txt', '--out', mine, '--force');
    expect([r.status, oneLine(r.stderr)]).toEqual([2, `doorbell: --out ${mine}: not a host file doorbell import wrote; --force replaces only those — a new file, or one doorbell import wrote`]);
    expect(readFileSync(mine, 'utf8')).toBe('platform: my board\n');
    const ours = join(dir, 'imported.yaml');
    expect(cli('import', 'sysfs', 'test/fixtures/sysfs/d05-grep.txt', '--out', ours).status).toBe(0);
    const again = cli('import', 'sysfs', 'test/fixtures/sysfs/d05-grep.txt', '--out', ours, '--force', '--platform', 'again');
    expect(again.status, again.stderr).toBe(0);
    expect(readFileSync(ours, 'utf8')).toContain('again');
    expect(partials(dir)).toEqual([]);
  });

  it('report writes only into a results directory doorbell wrote', () => {
    const dir = tmp();
    const out = join(dir, 'r');
    expect(cli(...RUN, '--out', out).status).toBe(0);
    writeFileSync(join(out, 'report.md.orig'), 'my edits\n');
    const before = snapshot(out);
    const r = cli('report', out);
    expect([r.status, oneLine(r.stderr)]).toEqual([2, `doorbell: ${out}: not a doorbell results directory (it holds report.md.orig); report writes only into those — a results directory written by doorbell run`]);
    expect(snapshot(out)).toEqual(before);
    const copy = join(dir, 'copy');
    mkdirSync(copy);
    for (const f of ['run.json', 'summary.csv', 'paired.csv']) copyFileSync(join(out, f), join(copy, f));
    expect(cli('report', copy).status).toBe(0);
    expect(readFileSync(join(copy, 'report.txt'), 'utf8')).toBe(readFileSync(join(out, 'report.txt'), 'utf8'));
    expect(readFileSync(join(copy, 'report.txt'), 'utf8')).not.toBe('');
    expect(Object.keys(snapshot(copy)).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});
