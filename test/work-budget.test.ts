// The work budget (scenario/work-budget.ts, documented in scenarios/REFERENCE.yaml):
// estimated from the scenario before anything runs; over it, the exact value is
// skipped with the reason in every output, and a simulation is refused in one line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exactLoss } from '../src/engine/exact.js';
import { resolvePolicy } from '../src/engine/policies.js';
import { pairExact, pairRanges, runPair } from '../src/engine/study.js';
import { renderSummaryCsv } from '../src/render/csv.js';
import { exactNotes, lossTables } from '../src/render/loss-tables.js';
import { parseScenario } from '../src/scenario/load.js';
import { WORK_BUDGET, exactOverBudget, exactPaths, simulationOverBudget, trialSteps } from '../src/scenario/work-budget.js';
import { resolveScenario, builtinScenarioNames } from '../src/scenario/builtin.js';
import { scenarioYaml } from './helpers/scenarios.js';

const ROOT = resolve(__dirname, '..');

/** D05's HW doorbell inside RAM, then `n` DMA phases each followed by a reboot that happens half the time. */
function chances(n: number): string {
  return scenarioYaml({ kernel: '6.8', groups: ['{ id: 3, regions: [{ start: 0xc6010000, last: 0xc601ffff, type: msi }] }'], body: `vm: { machine: virt, ram: 4GiB }
devices: [{ name: d0, group: 3 }]
timeline:
  - start: { devices: [d0] }
${'  - dma: {}\n  - reboot: { chance: 0.5 }\n'.repeat(n)}` });
}

/** `n` devices in groups of their own, hot-added one after the other. */
function hotplugs(n: number): string {
  const ids = Array.from({ length: n }, (_, i) => i);
  return scenarioYaml({ kernel: '6.8', groups: ids.map((i) => `{ id: ${i}, regions: [{ start: 0x8000000, last: 0x80fffff, type: sw-msi }] }`), body: `vm: { machine: virt, ram: 4GiB }
devices:
${ids.map((i) => `  - { name: d${i}, group: ${i} }\n`).join('')}timeline:
  - start: {}
${ids.map((i) => `  - hotplug: d${i}\n`).join('')}` });
}

describe('work budget', () => {
  it('counts the exact computation\'s paths as trial-run.ts draws them: guest mix × each chance × each pool', () => {
    expect(exactPaths(parseScenario(chances(12), 'c.yaml'))).toBe(4096n);
    expect(exactPaths(parseScenario(chances(13), 'c.yaml'))).toBe(8192n);
    // d05-hw-msi-hotplug: two guest profiles, no chance.
    expect(exactPaths(resolveScenario('d05-hw-msi-hotplug'))).toBe(2n);
  });

  it('over the budget the exact value is not computed and every output says why', async () => {
    const s = parseScenario(chances(13), 'c.yaml');
    expect(exactOverBudget(s)).toBe(`not computed: over the work budget (8192 paths > ${WORK_BUDGET.exactPaths})`);
    const baseline = resolvePolicy('no-checks-2016');
    expect(exactLoss(s, baseline.instance)).toBeUndefined();
    const pair = await runPair(s, baseline, 20, '1');
    expect(pair.row.dataLossExact).toBeUndefined();
    expect(pair.row.exactNote).toBe(exactOverBudget(s));
    const csv = renderSummaryCsv([{ ...pair.row, point: '' }]);
    expect(csv.trimEnd().split('\n')[1]!.endsWith(`,${exactOverBudget(s)}`)).toBe(true);
    // report.txt's loss tables and report.md's scenario section both print it.
    expect(lossTables([{ ...pair.row, point: '' }]).join(' ').replace(/\s+/g, ' ')).toContain(`Exact values: ${exactOverBudget(s)}.`);
    expect(exactNotes([{ ...pair.row, point: '' }])).toEqual([`Exact values: ${exactOverBudget(s)}.`]);
  });

  it('a scenario within the budget keeps its exact value (8 chance events: 256 paths)', () => {
    const s = parseScenario(chances(8), 'c.yaml');
    expect(exactOverBudget(s)).toBeUndefined();
    expect(exactLoss(s, resolvePolicy('no-checks-2016').instance)!.data).toBeGreaterThan(0);
  });

  it('every built-in scenario is within every budget at the default trials', () => {
    for (const name of builtinScenarioNames()) {
      const s = resolveScenario(name);
      expect(exactOverBudget(s), name).toBeUndefined();
      expect(simulationOverBudget(s, 1000), name).toBeUndefined();
    }
  });

  it('hot-adding devices costs in proportion to those already attached', () => {
    const s100 = parseScenario(hotplugs(100), 'h.yaml');
    const s200 = parseScenario(hotplugs(200), 'h.yaml');
    expect(trialSteps(s200)).toBeGreaterThan(3.5 * trialSteps(s100));
    // 200 hot-added devices: an exact value takes seconds per assumption point; skipped.
    expect(exactOverBudget(s200)).toMatch(/^not computed: over the work budget \(\d+ steps > 1000000\)$/);
  });

  it('over the budget the pair falls back to simulation, whichever way it is cut (13 chance events; 1,000 hot-added devices)', async () => {
    const policy = resolvePolicy('no-checks-2016');
    for (const [s, trials] of [[parseScenario(chances(13), 'c.yaml'), 30], [parseScenario(hotplugs(1000), 'h.yaml'), 1]] as const) {
      const note = exactOverBudget(s)!;
      expect(note).toMatch(/^not computed: over the work budget \(\d+ (paths|steps) > \d+\)$/);
      // The parallel run's units (engine/work-units.ts) skip the exact value and the ranges alike.
      expect(pairExact(s, policy, '1')).toEqual({ exactNote: note, loss: undefined, deterministic: undefined });
      expect(pairRanges(s, policy)).toBeUndefined();
      const pair = await runPair(s, policy, trials, '1');
      expect(pair.row.trials).toBe(trials); // simulated
      expect(pair.row.exactNote).toBe(note);
      expect([pair.row.dataLossExact, pair.row.silentLossExact, pair.row.dataLossRange, pair.row.deterministic]).toEqual([undefined, undefined, undefined, undefined]);
    }
  }, 120_000);

  it('run refuses trials × steps over the budget in one line, before writing anything', () => {
    const dir = mkdtempSync(join(tmpdir(), 'doorbell-budget-'));
    writeFileSync(join(dir, 'h.yaml'), hotplugs(1000));
    const r = spawnSync(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), 'run', '--scenario', join(dir, 'h.yaml'), '--trials', '1000', '--out', join(dir, 'out')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^doorbell: --trials 1000 × about \d+ steps per trial of t is \d+ steps — at most 200000000 per scenario and policy: --trials \d+ or fewer\n$/);
    const fits = Number(/--trials (\d+) or fewer/.exec(r.stderr)![1]);
    const s = parseScenario(hotplugs(1000), 'h.yaml');
    expect(simulationOverBudget(s, fits)).toBeUndefined();
    expect(simulationOverBudget(s, fits + 1)).toBeDefined();
  });

  it('is documented where the defaults live, number by number', () => {
    const ref = readFileSync(join(ROOT, 'scenarios/REFERENCE.yaml'), 'utf8');
    for (const n of [WORK_BUDGET.exactPaths, WORK_BUDGET.exactSteps, WORK_BUDGET.trialSteps, WORK_BUDGET.pairSteps]) {
      expect(ref, String(n)).toContain(n >= 10_000 ? n.toLocaleString('en-US') : String(n));
    }
  });
});
