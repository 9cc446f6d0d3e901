// Issue 17 item 8: report and merge check what they read (the CSV hashes
// run.json records, every expected pair present once, counts within the
// trials) and refuse in one line instead of rendering nonsense.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, oneLine, snapshot, tmp } from './helpers/cli.js';

const dir = tmp();
const base = join(dir, 'base');
const RUN = ['run', '--scenario', 'd05-hw-msi-hotplug', '--policy', 'kernel-rejects', '--policy', 'qemu-aborts', '--trials', '3', '--quiet'];

beforeAll(() => {
  expect(cli(...RUN, '--out', base).status).toBe(0);
  for (const i of [1, 2]) expect(cli(...RUN, '--scenario', 'p2p-bridge-window', '--shard', `${i}/2`, '--out', join(dir, `s${i}`)).status).toBe(0);
}, 120_000);

/** A copy of `from` with `edit` applied to its files; without hashes when `unhashed` (as a run before they existed). */
function variant(from: string, name: string, edit: (read: (f: string) => string, write: (f: string, t: string) => void) => void, unhashed = false): string {
  const d = join(dir, name);
  cpSync(from, d, { recursive: true });
  const read = (f: string) => readFileSync(join(d, f), 'utf8');
  const write = (f: string, t: string) => writeFileSync(join(d, f), t);
  if (unhashed) {
    const info = JSON.parse(read('run.json'));
    delete info.data;
    write('run.json', JSON.stringify(info, null, 2) + '\n');
  }
  edit(read, write);
  return d;
}
const lines = (t: string) => t.trimEnd().split('\n');
const setColumn = (csv: string, row: number, col: string, value: string) => {
  const ls = lines(csv).map((l) => l.split(','));
  ls[row]![ls[0]!.indexOf(col)] = value;
  return ls.map((l) => l.join(',')).join('\n') + '\n';
};

describe('report refuses what does not add up, in one line, and writes nothing', () => {
  const cases: Array<[string, () => string, string | RegExp]> = [
    ['a truncated summary.csv (the hash run.json records)', () => variant(base, 'trunc', (r, w) => w('summary.csv', lines(r('summary.csv'))[0] + '\n')), 'doorbell: summary.csv: does not match the SHA-256 that run.json records (edited or cut short) — the file as doorbell wrote it'],
    ['a summary.csv without rows', () => variant(base, 'norows', (r, w) => w('summary.csv', lines(r('summary.csv'))[0] + '\n'), true), 'doorbell: summary.csv: no row for d05-hw-msi-hotplug × kernel-rejects — a row for every scenario, point and policy run.json lists'],
    ['a count beyond the trials ("500.0% of trials")', () => variant(base, 'count', (r, w) => w('summary.csv', setColumn(r('summary.csv'), 1, 'silent_loss_trials', '15')), true), /^doorbell: summary\.csv:2: silent_loss_trials is 15 — a whole number from 0 to \d$/],
    ['a duplicated row', () => variant(base, 'dup', (r, w) => w('summary.csv', r('summary.csv') + lines(r('summary.csv'))[1] + '\n'), true), 'doorbell: summary.csv:4: d05-hw-msi-hotplug × kernel-rejects is there twice — each pair once'],
    ['a row of another run', () => variant(base, 'other', (r, w) => w('summary.csv', setColumn(r('summary.csv'), 2, 'policy', 'no-checks-2016')), true), 'doorbell: summary.csv:3: d05-hw-msi-hotplug × no-checks-2016 is not a pair of this run — rows for the scenarios, points and policies run.json lists'],
    ['a trials column that disagrees with run.json', () => variant(base, 'trials', (r, w) => w('summary.csv', setColumn(r('summary.csv'), 1, 'trials', '300')), true), 'doorbell: summary.csv:2: trials is 300 — 3, as run.json says'],
    ['a paired.csv counting more trials than ran', () => variant(base, 'paired', (r, w) => w('paired.csv', setColumn(r('paired.csv'), 1, 'neither', '99')), true), /^doorbell: paired\.csv:2: both, first_only, second_only, neither are .*99 — whole numbers adding up to at most 3 trials$/],
    ['an interrupted run', () => variant(base, 'incomplete', (_, w) => w('run.json', '{"incomplete": true}\n')), 'doorbell: run.json: the run was interrupted and is incomplete — a finished run (continue it with doorbell run --resume DIR)'],
  ];
  for (const [what, make, line] of cases) {
    it(what, () => {
      const d = make();
      const before = snapshot(d);
      const r = cli('report', d);
      expect(r.status, r.stderr).toBe(2);
      if (typeof line === 'string') expect(oneLine(r.stderr)).toBe(line);
      else expect(oneLine(r.stderr)).toMatch(line);
      expect(snapshot(d)).toEqual(before);
    });
  }

  it('the untouched directory renders (control)', () => {
    expect(cli('report', variant(base, 'control', () => undefined)).status).toBe(0);
    expect(cli('report', variant(base, 'control-unhashed', () => undefined, true)).status).toBe(0);
  });
});

describe('merge checks every shard', () => {
  it('refuses a shard with no rows, and a shard with a duplicated row', () => {
    const empty = variant(join(dir, 's1'), 's1-empty', (r, w) => w('summary.csv', lines(r('summary.csv'))[0] + '\n'), true);
    const r = cli('merge', empty, join(dir, 's2'), '--out', join(dir, 'm1'));
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^doorbell: .*s1-empty\/summary\.csv: no row for .* × kernel-rejects — a row for every scenario, point and policy run\.json lists$/);
    const dup = variant(join(dir, 's2'), 's2-dup', (rd, w) => w('summary.csv', rd('summary.csv') + lines(rd('summary.csv'))[1] + '\n'), true);
    const d = cli('merge', join(dir, 's1'), dup, '--out', join(dir, 'm2'));
    expect(d.status).toBe(2);
    expect(oneLine(d.stderr)).toMatch(/s2-dup\/summary\.csv:4: .* is there twice — each pair once$/);
    const edited = variant(join(dir, 's2'), 's2-edited', (rd, w) => w('paired.csv', rd('paired.csv') + '\n'));
    expect(oneLine(cli('merge', join(dir, 's1'), edited, '--out', join(dir, 'm3')).stderr)).toMatch(/s2-edited\/paired\.csv: does not match the SHA-256 that run\.json records/);
    expect(snapshot(join(dir, 'm1'))).toEqual({});
  });
});
