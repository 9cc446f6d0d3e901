// Exact beside simulated: for every built-in scenario and policy, the closed
// form (engine/exact.ts) must fall inside the simulation's 99.9% interval.
import { describe, expect, it } from 'vitest';
import { allPolicies } from '../src/engine/policies.js';
import { runStudy } from '../src/engine/study.js';
import { wilson } from '../src/results/stats.js';
import { builtinScenarioNames, resolveScenario } from '../src/scenario/builtin.js';
import { d05 } from './helpers/scenarios.js';
import { exactLoss, exactSilentLoss } from '../src/engine/exact.js';
import { resolvePolicy } from '../src/engine/policies.js';
import { applyPoint } from '../src/scenario/params.js';

const Z999 = 3.2905267314919255;

describe('exact data-loss and silent-loss probabilities', () => {
  it('lie inside the 99.9% interval of 800 simulated trials, for every built-in scenario and policy, both metrics', async () => {
    const pairs = await runStudy({ scenarios: builtinScenarioNames().map(resolveScenario), policies: allPolicies(), trials: 800, seed: '11' });
    const misses: string[] = [];
    for (const p of pairs) {
      for (const [metric, rate, exact] of [['data', p.row.dataLoss, p.row.dataLossExact], ['silent', p.row.silentLoss, p.row.silentLossExact]] as const) {
        expect(exact, `${p.scenario.name} ${p.policy.id} ${metric}`).toBeDefined();
        const w = wilson(rate.k, rate.n, Z999);
        if (exact! < w.lo - 1e-12 || exact! > w.hi + 1e-12) misses.push(`${p.scenario.name} × ${p.policy.id} ${metric}: exact ${exact} outside [${w.lo}, ${w.hi}] (k=${rate.k}, n=${rate.n})`);
      }
      // Silent loss is data loss that nothing records: never more likely.
      expect(p.row.silentLossExact!).toBeLessThanOrEqual(p.row.dataLossExact! + 1e-12);
    }
    expect(misses).toEqual([]);
  }, 600_000); // every built-in × every policy × 800 trials, on a loaded machine

  // Natural alignment is the default; page alignment and every other
  // placement profile go through the same densities in both engines.
  it.each([
    ['workload.alignment', 'page'],
    ['workload.placement', 'fresh-boot'],
    ['workload.placement', 'coherent'],
    ['workload.placement', 'dma32'],
  ])('agree with the simulation under %s=%s', async (key, value) => {
    const scenarios = builtinScenarioNames().map((n) => applyPoint(resolveScenario(n), { [key]: value }));
    const pairs = await runStudy({ scenarios, policies: allPolicies(), trials: 400, seed: '12' });
    const misses: string[] = [];
    for (const p of pairs) {
      for (const [metric, rate, exact] of [['data', p.row.dataLoss, p.row.dataLossExact], ['silent', p.row.silentLoss, p.row.silentLossExact]] as const) {
        // A profile that cannot place the workload at all errs every trial and leaves nothing to compare
        // (dma32 where every RAM range lies above 4 GiB: spdk-iova-va-rc-dma-limit).
        if (rate.n === 0 && p.row.errors === p.row.trials) continue;
        const w = wilson(rate.k, rate.n, Z999);
        if (exact === undefined || exact < w.lo - 1e-12 || exact > w.hi + 1e-12) misses.push(`${p.scenario.name} × ${p.policy.id} ${metric}: exact ${exact} outside [${w.lo}, ${w.hi}] (k=${rate.k}, n=${rate.n})`);
      }
    }
    expect(misses).toEqual([]);
  }, 300_000); // every built-in × every policy × 400 trials, and the exact values; over a minute on a loaded machine

  it('tells the two apart where the host logs the loss (x86 MSI window, AMD HyperTransport) and where nothing is lost (ISA range)', () => {
    const baseline = resolvePolicy('no-checks-2016').instance;
    for (const name of ['aarch64-guest-on-amd-host', 'amd-ht-qemu70']) {
      const e = exactLoss(resolveScenario(name), baseline)!;
      expect(e.data, name).toBeGreaterThan(0.1);
      expect(e.silent, name).toBe(0);
    }
    expect(exactLoss(resolveScenario('cometlake-isa-bridge-5.4'), baseline)).toEqual({ data: 0, silent: 0 });
    const d05 = exactLoss(resolveScenario('d05-hw-msi-hotplug'), baseline)!;
    expect(d05.silent).toBeGreaterThan(0);
    expect(d05.silent).toBe(d05.data); // the ITS frame logs nothing
  });

  it('enumerates the guest mix: a deaf quarter of guests gives a quarter of the loss', () => {
    const all = exactSilentLoss(d05({ start: [], guests: 'guests: [{ name: deaf, honours: [] }]' }), resolvePolicy('guest-avoids-range').instance)!;
    const mix = exactSilentLoss(d05({ start: [], guests: 'guests: [{ name: deaf, weight: 1, honours: [] }, { name: hears, weight: 3, honours: [runtime] }]' }), resolvePolicy('guest-avoids-range').instance)!;
    expect(all).toBeGreaterThan(0);
    expect(mix).toBeCloseTo(all / 4, 12);
  });

  it('is 0 where nothing can be lost, and not a number the simulation could never reach', () => {
    expect(exactSilentLoss(resolveScenario('arm64-smmuv3-control'), resolvePolicy('no-checks-2016').instance)).toBe(0);
    const p2p = exactSilentLoss(resolveScenario('p2p-bridge-window'), resolvePolicy('kernel-rejects').instance)!;
    expect(p2p).toBeGreaterThan(0.99);
    expect(p2p).toBeLessThan(1);
  });
});
