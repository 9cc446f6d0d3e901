// A pair computed once (engine/fact.ts): where every path of the scenario's
// draws gives the same result and nothing can be lost, one played trial
// stands for all of them, and the run's output is the same byte for byte as
// the simulation of every trial.
import { describe, expect, it } from 'vitest';
import { exactLossAndReach, metricsKey } from '../src/engine/exact.js';
import { checkedFact } from '../src/engine/fact.js';
import { allPolicies, resolvePolicy } from '../src/engine/policies.js';
import { runStudy } from '../src/engine/study.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseCsv } from '../src/results/csv-read.js';
import { runTrial } from '../src/engine/trial.js';
import { builtinScenarioNames, resolveScenario } from '../src/scenario/builtin.js';
import { d05 } from './helpers/scenarios.js';

const BIN = resolve(__dirname, '../dist/src/cli/main.js');

describe('pairs computed once', () => {
  it('every simulated trial of every built-in pair with a fact is that fact, field for field', () => {
    const wrong: string[] = [];
    let facts = 0;
    for (const name of builtinScenarioNames()) {
      const s = resolveScenario(name);
      for (const p of allPolicies()) {
        const fact = exactLossAndReach(s, p.instance)?.fact;
        if (!fact) continue;
        facts++;
        const key = metricsKey(fact);
        for (let t = 0; t < 25; t++) {
          const r = runTrial({ scenario: s, policy: p.instance, seed: 'other seed', trial: t });
          const { status, ...m } = r;
          if (status !== 'ok' || metricsKey(m as typeof fact) !== key) { wrong.push(`${name} × ${p.id} trial ${t}`); break; }
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(facts).toBeGreaterThan(200);
  }, 600_000);

  it('is not a fact where a buffer can be placed over danger with no DMA after it (dangerous placements differ between trials)', () => {
    // nic0 hot-added after the last DMA phase, guest RAM over its HW MSI doorbell: nothing lost, placements drawn.
    const s = d05({ start: ['disk0'], hotplug: false, extra: '  - hotplug: nic0' });
    const policy = resolvePolicy('no-checks-2016').instance;
    const exact = exactLossAndReach(s, policy)!;
    expect(exact.loss.data).toBe(0);
    expect(exact.fact).toBeUndefined();
    const placed = new Set(Array.from({ length: 40 }, (_, t) => { const r = runTrial({ scenario: s, policy, seed: '1', trial: t }); return r.status === 'ok' ? r.dangerousPlacements : -1; }));
    expect(placed.size).toBeGreaterThan(1);
  });

  it('trial 0 is played as the check: a fact it does not equal is dropped and the pair is simulated', () => {
    const s = resolveScenario('cometlake-isa-bridge-5.4');
    const policy = resolvePolicy('no-checks-2016');
    const fact = exactLossAndReach(s, policy.instance)!.fact!;
    expect(checkedFact(s, policy, '1', fact)).toBeDefined();
    expect(checkedFact(s, policy, '1', { ...fact, refusedCalls: fact.refusedCalls + 1 })).toBeUndefined();
  });

  it('a run plays one trial of a fact pair and every trial otherwise; its rows equal those of --simulate', async () => {
    const scenarios = ['cometlake-isa-bridge-5.4', 'd05-hw-msi-hotplug'].map(resolveScenario);
    const policies = ['no-checks-2016', 'kernel-rejects'].map((id) => resolvePolicy(id));
    const plan = { scenarios, policies, trials: 600, seed: '3' };
    const once = await runStudy(plan);
    const all = await runStudy({ ...plan, simulate: true });
    expect(once.map((p) => p.row.trialsPlayed)).toEqual([1, 1, 600, 1]);
    expect(all.map((p) => p.row.trialsPlayed)).toEqual([600, 600, 600, 600]);
    const rows = (ps: typeof once) => ps.map((p) => ({ ...p.row, trialsPlayed: 0 }));
    expect(rows(once)).toEqual(rows(all));
    expect(once.map((p) => [p.loss, p.hotplug, p.outcomes])).toEqual(all.map((p) => [p.loss, p.hotplug, p.outcomes]));
  }, 300_000);

  it('the CLI: summary.csv and trials.csv the same byte for byte with --jobs 1 and 2, and as --simulate plays them (less trials_played and the exact columns)', () => {
    const out = (...flags: string[]) => {
      const dir = mkdtempSync(join(tmpdir(), 'doorbell-fact-'));
      const r = spawnSync(process.execPath, [BIN, 'run', '--scenario', 'cometlake-isa-bridge-5.4', '--scenario', 'd05-hw-msi-hotplug', '--policy', 'no-checks-2016', '--policy', 'kernel-rejects', '--trials', '600', '--keep-trials', '--quiet', '--force', '--out', dir, ...flags], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return { summary: readFileSync(join(dir, 'summary.csv'), 'utf8'), trials: readFileSync(join(dir, 'trials.csv'), 'utf8') };
    };
    const one = out('--jobs', '1');
    const two = out('--jobs', '2');
    const sim = out('--jobs', '2', '--simulate');
    expect(two).toEqual(one);
    expect(sim.trials).toBe(one.trials);
    const exactPart = (c: string) => c.endsWith('_exact') || /^(trials_played|exact_note|deterministic|.*_exact_(min|max)|.*_sensitive_to)$/.test(c);
    const simulatedPart = (csv: string) => parseCsv(csv, 'summary.csv').map((r) => Object.entries(r).filter(([c]) => !exactPart(c)));
    expect(simulatedPart(sim.summary)).toEqual(simulatedPart(one.summary));
    const played = (csv: string) => parseCsv(csv, 'summary.csv').map((r) => r['trials_played']);
    expect(played(one.summary)).toEqual(['1', '1', '600', '1']);
    expect(played(sim.summary)).toEqual(['600', '600', '600', '600']);
  }, 300_000);
});
