// The bad-input corpus: every fixture in test/fixtures/bad/ names, in its
// first line, the one-line error it must produce.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { loadScenarioFile } from '../src/scenario/load.js';

const ROOT = resolve(__dirname, '..');
const DIR = 'test/fixtures/bad';
const fixtures = readdirSync(join(ROOT, DIR)).filter((f) => f.endsWith('.yaml')).sort();
const expected = (f: string) => /^# expect: (.*)$/m.exec(readFileSync(join(ROOT, DIR, f), 'utf8'))![1]!;

describe('bad scenario corpus', () => {
  it('has at least 40 cases', () => expect(fixtures.length).toBeGreaterThanOrEqual(40));

  for (const f of fixtures) {
    it(`${f}: ${expected(f).split(': ').slice(1).join(': ').slice(0, 60)}`, () => {
      let err: unknown;
      try {
        loadScenarioFile(join(ROOT, DIR, f), `${DIR}/${f}`);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toBe(expected(f));
    });
  }

  it('doorbell validate prints exactly those lines, no stack trace, and exits 2', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), 'validate', ...fixtures.map((f) => `${DIR}/${f}`)], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual(fixtures.map(expected));
  });

  // validate must catch everything run would refuse: both refuse every fixture, with the same line.
  it('doorbell run refuses every bad scenario validate refuses, with the same line, and writes nothing', () => {
    const out = mkdtempSync(join(tmpdir(), 'doorbell-bad-'));
    for (const f of fixtures) {
      const r = spawnSync(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), 'run', '--scenario', `${DIR}/${f}`, '--out', join(out, 'r')], { cwd: ROOT, encoding: 'utf8' });
      expect(r.status, f).toBe(2);
      expect(r.stderr, f).toBe(`doorbell: ${expected(f)}\n`);
      expect(readdirSync(out)).toEqual([]);
    }
  }, 600_000); // one process per fixture
});
