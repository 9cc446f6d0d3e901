// --jobs hands out pairs cut into units (engine/work-units.ts): trial chunks,
// the exact value, the loss ranges. However a pair is cut and whichever
// worker runs which piece, every output byte is the one the whole pair gives.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allPolicies } from '../src/engine/policies.js';
import { runStudy } from '../src/engine/study.js';
import { CHUNK_TRIALS, unitsPerPair, workUnits } from '../src/engine/work-units.js';
import { renderSummaryCsv } from '../src/render/csv.js';
import { resolveScenario } from '../src/scenario/builtin.js';
import { trialSteps } from '../src/scenario/work-budget.js';

const ROOT = resolve(__dirname, '..');
const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), ...args], { cwd: ROOT, encoding: 'utf8' });

function files(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel)).flatMap((f) => (statSync(join(dir, rel, f)).isDirectory() ? files(dir, join(rel, f)) : [join(rel, f)])).sort();
}

describe('work units', () => {
  const d05 = resolveScenario('d05-hw-msi-hotplug');
  const p2p = resolveScenario('p2p-bridge-window');

  it('cuts a pair into chunks of trials that cover each trial once, in order, beside its exact value and ranges', () => {
    const trials = 2 * CHUNK_TRIALS + 100;
    const units = workUnits([d05], [0], trials, false);
    expect(units).toHaveLength(unitsPerPair(trials));
    expect(units[0]!.kind).toBe('exact');
    const chunks = units.filter((u) => u.kind === 'trials').map((u) => (u.kind === 'trials' ? [u.from, u.to] : []));
    expect(chunks).toEqual([[0, CHUNK_TRIALS], [CHUNK_TRIALS, 2 * CHUNK_TRIALS], [2 * CHUNK_TRIALS, trials]]);
  });

  it('hands out the longest pair\'s trials first, or pair by pair when trials.csv is written in pair order', () => {
    const [cheap, dear] = trialSteps(d05) < trialSteps(p2p) ? [0, 1] : [1, 0];
    expect(trialSteps(d05)).not.toBe(trialSteps(p2p));
    const firstTrials = (canonical: boolean) => workUnits([d05, p2p], [0, 1], 300, canonical).find((u) => u.kind === 'trials')!.pair;
    expect(firstTrials(false)).toBe(dear);
    expect(firstTrials(true)).toBe(0);
    expect(cheap).not.toBe(dear);
    // A pair already done (--resume) has no units.
    expect(workUnits([d05, p2p], [1], 300, false).every((u) => u.pair === 1)).toBe(true);
  });

  it('a pair cut into several chunks gives the whole pair\'s bytes, with 1, 2 or 3 jobs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'doorbell-units-'));
    const trials = 2 * CHUNK_TRIALS + 37;
    const policies = ['no-checks-2016', 'kernel-rejects', 'guest-avoids-range'];
    const args = ['--scenario', 'd05-hw-msi-hotplug', '--scenario', 'p2p-bridge-window', ...policies.flatMap((p) => ['--policy', p]), '--trials', String(trials), '--keep-trials', '--quiet'];
    for (const jobs of [1, 2, 3]) {
      const r = cli('run', ...args, '--jobs', String(jobs), '--out', join(dir, `j${jobs}`));
      expect(r.status, r.stderr).toBe(0);
    }
    const all = files(join(dir, 'j1'));
    expect(all).toContain('trials.csv');
    for (const jobs of [2, 3]) {
      expect(files(join(dir, `j${jobs}`))).toEqual(all);
      for (const f of all) expect(readFileSync(join(dir, `j${jobs}`, f)).equals(readFileSync(join(dir, 'j1', f))), `--jobs ${jobs}: ${f}`).toBe(true);
    }
    // The same rows as each pair run whole, in one piece, on this thread.
    const chosen = allPolicies().filter((p) => policies.includes(p.id));
    const whole = await runStudy({ scenarios: [d05, p2p], policies: chosen, trials, seed: JSON.parse(readFileSync(join(dir, 'j1', 'run.json'), 'utf8')).seed });
    expect(readFileSync(join(dir, 'j1', 'summary.csv'), 'utf8')).toBe(renderSummaryCsv(whole.map((p) => p.row)));
    // trials.csv: every trial of every pair once, in trial order.
    const lines = readFileSync(join(dir, 'j1', 'trials.csv'), 'utf8').trimEnd().split('\n');
    expect(lines.length - 1).toBe(2 * policies.length * trials);
  }, 600_000);
});
