// Every metric the exact engine computes (engine/exact-metrics.ts) against
// the simulation, on every built-in scenario × policy, and against hand
// arithmetic on scenarios whose probabilities are known.
import { describe, expect, it } from 'vitest';
import { exactLossAndReach } from '../src/engine/exact.js';
import type { ExactMetrics } from '../src/engine/exact-metrics.js';
import { allPolicies, resolvePolicy } from '../src/engine/policies.js';
import { MECHANISMS, type TrialMetrics, VISIBILITIES } from '../src/engine/result.js';
import { runPair } from '../src/engine/study.js';
import { wilson } from '../src/results/stats.js';
import { builtinScenarioNames, resolveScenario } from '../src/scenario/builtin.js';
import { d05 } from './helpers/scenarios.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tmp } from './helpers/cli.js';
import { parsePairedCsv, parseSummaryCsv } from '../src/results/csv-read.js';
import { renderPairedCsv, renderSummaryCsv } from '../src/render/csv.js';

const Z999 = 3.2905267314919255;
const exactOf = (s: ReturnType<typeof d05>, policy: string): ExactMetrics => exactLossAndReach(s, resolvePolicy(policy).instance)!.metrics;

// A probability per trial: the share of trials where it happened.
const INDICATORS: ReadonlyArray<[keyof ExactMetrics, (m: TrialMetrics) => boolean]> = [
  ['vmStart', (m) => m.vmStarted],
  ['startFailedKernel', (m) => m.startFailure === 'kernel'],
  ['startFailedVmm', (m) => m.startFailure === 'vmm'],
  ['startFailedLayout', (m) => m.startFailure === 'layout'],
  ['vmCrash', (m) => m.vmCrashed],
  ['firmwareExposed', (m) => m.firmwareExposedBytes > 0n],
  ['guestAbiChanged', (m) => m.guestAbiChangeBytes > 0n],
];

// An expectation per trial: the mean of the trials' values.
const MEANS: ReadonlyArray<[keyof ExactMetrics, (m: TrialMetrics) => number]> = [
  ['hotplugAttempts', (m) => m.hotplugAttempts],
  ['hotplugOk', (m) => m.hotplugOk],
  ['hotplugRejectedKernel', (m) => m.hotplugRejectedKernel],
  ['hotplugAbortedVmm', (m) => m.hotplugAbortedVmm],
  ['memHotplugAttempts', (m) => m.memHotplugAttempts],
  ['memHotplugOk', (m) => m.memHotplugOk],
  ['migrations', (m) => m.migrations],
  ['migrationsOk', (m) => m.migrationsOk],
  ['refusedCallsMean', (m) => m.refusedCalls],
  ['msiSetupFailures', (m) => m.msiSetupFailures],
  ['hintRefusals', (m) => m.hintRefusals],
  ['firmwareExposedBytesMean', (m) => Number(m.firmwareExposedBytes)],
];

// The DMA expectations (guest/analytic-dma.ts): exact value, and each trial's simulated value.
const DMA_MEANS: ReadonlyArray<[string, (e: ExactMetrics) => number, (m: TrialMetrics) => number]> = [
  ['lostOpsMean', (e) => e.lostOpsMean, (m) => m.lostOps],
  ['silentOpsMean', (e) => e.silentOpsMean, (m) => m.silentOps],
  ['dmaFaultsMean', (e) => e.dmaFaultsMean, (m) => m.faultOps],
  ['lostBytesMean', (e) => e.lostBytesMean, (m) => m.lostBytes],
  ['dangerousPlacementsMean', (e) => e.dangerousPlacementsMean, (m) => m.dangerousPlacements],
  ...MECHANISMS.map((k): [string, (e: ExactMetrics) => number, (m: TrialMetrics) => number] => [`lostBytesMeanBy.${k}`, (e) => e.lostBytesMeanBy[k], (m) => m.lostBytesBy[k]]),
  ...VISIBILITIES.map((k): [string, (e: ExactMetrics) => number, (m: TrialMetrics) => number] => [`lostBytesMeanByVisibility.${k}`, (e) => e.lostBytesMeanByVisibility[k], (m) => m.lostBytesByVisibility[k]]),
];

/** A mean's 99.9% interval: normal with the sample's spread, and never narrower than Wilson's bound on the paths no trial drew (values span `range`). */
function meanInterval(xs: readonly number[]): { lo: number; hi: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  const half = (Z999 * sd) / Math.sqrt(n);
  return { lo: mean - half, hi: mean + half };
}

describe('every exact metric against the simulation', () => {
  it('lies inside the 99.9% interval of 300 simulated trials, on every built-in scenario × policy', async () => {
    const misses: string[] = [];
    let checked = 0;
    for (const name of builtinScenarioNames()) {
      const scenario = resolveScenario(name);
      for (const policy of allPolicies()) {
        const { row, results } = await runPair(scenario, policy, 300, '21');
        const e = row.exact;
        if (!e) continue;
        const ok = results.flatMap((r) => (r.status === 'ok' ? [r] : []));
        expect(ok.length, `${name} × ${policy.id}`).toBe(results.length); // the exact engine covers only pairs whose paths all run
        const at = `${name} × ${policy.id}`;
        const near = (x: number, lo: number, hi: number) => x >= lo - 1e-9 && x <= hi + 1e-9;
        for (const [key, f] of INDICATORS) {
          const w = wilson(ok.filter(f).length, ok.length, Z999);
          if (!near(e[key] as number, w.lo, w.hi)) misses.push(`${at} ${key}: exact ${e[key]} outside [${w.lo}, ${w.hi}]`);
        }
        for (const [key, f] of MEANS) {
          const xs = ok.map(f);
          const i = meanInterval(xs);
          // Every trial alike: the exact value is that value, or paths no trial drew move it (then some path differs, and the Wilson bound on its probability says by how much at most).
          const tail = wilson(0, ok.length, Z999).hi * Math.max(1, ...xs);
          const [lo, hi] = i.lo === i.hi ? [i.lo - tail, i.hi + tail] : [i.lo, i.hi];
          if (!near(e[key] as number, lo, hi)) misses.push(`${at} ${key}: exact ${e[key]} outside [${lo}, ${hi}]`);
        }
        // DMA means: the normal (CLT) 99.9% interval of the trials' mean, its spread from the trials' sample variance.
        // Where every trial drew the same value (no trial lost anything), the mean cannot be bounded from the sample:
        // the exact P(data loss) must then lie under Wilson's bound on zero of the trials (a loss too rare to draw), and the exact mean be 0 where it is 0.
        for (const [key, exact, f] of DMA_MEANS) {
          const xs = ok.map(f);
          const i = meanInterval(xs);
          const x = exact(e);
          if (i.lo === i.hi) {
            const rare = row.dataLossExact !== undefined && row.dataLossExact <= wilson(0, ok.length, Z999).hi + 1e-9;
            if (!near(x, i.lo, i.hi) && !(rare && i.lo === 0)) misses.push(`${at} ${key}: exact ${x}, every trial ${i.lo}`);
          } else if (!near(x, i.lo - 1e-9 * Math.abs(i.lo), i.hi + 1e-9 * Math.abs(i.hi))) misses.push(`${at} ${key}: exact ${x} outside [${i.lo}, ${i.hi}]`);
        }
        // Pooled rates: the simulated rate over its requests.
        for (const [key, rate] of [['hotplug', row.hotplug], ['requests', row.requests], ['migratable', row.migratable]] as const) {
          if (rate.n === 0) continue;
          const w = wilson(rate.k, rate.n, Z999);
          if (e[key] === undefined || !near(e[key], w.lo, w.hi)) misses.push(`${at} ${key}: exact ${e[key]} outside [${w.lo}, ${w.hi}]`);
        }
        // Each hint channel: the share of trials it carried a hint in.
        for (const [channel, p] of e.hintChannels) {
          const w = wilson(ok.filter((r) => r.hintsVia.includes(channel)).length, ok.length, Z999);
          if (!near(p, w.lo, w.hi)) misses.push(`${at} hint channel ${channel}: exact ${p} outside [${w.lo}, ${w.hi}]`);
        }
        for (const r of ok) for (const c of r.hintsVia) if (!e.hintChannels.some(([x]) => x === c)) misses.push(`${at}: simulated channel ${c} has no exact share`);
        // Worst-trial figures: the simulation's worst trial is one of the paths, never beyond the worst.
        for (const [key, sim] of [['ramUnusableBytes', row.ramUnusableBytes], ['maxGpa', row.maxGpa], ['guestAbiChangeBytes', row.guestAbiChangeBytes]] as const) {
          if (sim > e[key]) misses.push(`${at} ${key}: simulated worst ${sim} above exact worst ${e[key]}`);
        }
        if (row.deterministic && (e.ramUnusableBytes !== row.ramUnusableBytes || e.maxGpa !== row.maxGpa)) misses.push(`${at}: deterministic, yet the worst trial differs from the worst path`);
        checked++;
      }
    }
    expect(misses).toEqual([]);
    expect(checked).toBeGreaterThan(200);
  }, 1_200_000); // every built-in × every policy × 300 trials; over 15 minutes on a loaded machine
});

describe('the weighting', () => {
  const quarter = d05({ hotplug: false, extra: '  - hotplug: { device: nic0, chance: 0.25 }' });

  it('a hotplug with chance 0.25 is attempted in exactly a quarter of trials, and every attempt is one request', () => {
    const e = exactOf(quarter, 'no-checks-2016');
    expect(e.vmStart).toBe(1);
    expect(e.hotplugAttempts).toBe(0.25);
    expect(e.hotplugOk).toBe(0.25);
    expect(e.hotplug).toBe(1);
    // One start and a quarter of a hotplug per trial, all succeeding.
    expect(e.requests).toBe(1);
  });

  it('a refused hotplug with chance 0.25 is refused in a quarter of trials, and the success rate counts only the attempts', () => {
    const e = exactOf(quarter, 'kernel-rejects');
    expect(e.hotplugAttempts).toBe(0.25);
    expect(e.hotplugOk + e.hotplugRejectedKernel + e.hotplugAbortedVmm).toBe(0.25);
    expect(e.hotplugOk).toBeLessThan(0.25);
    expect(e.hotplug).toBe(e.hotplugOk / 0.25);
    expect(e.requests).toBeCloseTo((1 + e.hotplugOk) / 1.25, 12);
  });

  it('two independent chances add their expectations', () => {
    const e = exactOf(d05({ hotplug: false, extra: '  - hotplug: { device: nic0, chance: 0.25 }\n  - unplug: nic0\n  - hotplug: { device: nic0, chance: 0.5 }' }), 'no-checks-2016');
    expect(e.hotplugAttempts).toBe(0.75);
  });

  it('a scenario without draws gives whole numbers: no hotplug, the rate undefined', () => {
    const e = exactOf(d05({ hotplug: false }), 'no-checks-2016');
    expect(e.hotplugAttempts).toBe(0);
    expect(e.hotplug).toBeUndefined();
    expect(e.migratable).toBeUndefined();
    expect(e.vmStart).toBe(1);
  });

  it('the VMM fleet is weighted: a userspace without memory hotplug in a quarter of trials leaves three quarters of the attempts', () => {
    const fleet = d05({ hotplug: false, guests: 'vmms: [{ name: qemu, weight: 3 }, { name: crosvm, weight: 1 }]', extra: '  - memory-hotplug: { kind: virtio-mem, size: 2GiB }' });
    const e = exactOf(fleet, 'no-checks-2016');
    expect(e.memHotplugAttempts).toBe(0.75);
    const qemuOnly = exactOf(d05({ hotplug: false, extra: '  - memory-hotplug: { kind: virtio-mem, size: 2GiB }' }), 'no-checks-2016');
    expect(qemuOnly.memHotplugAttempts).toBe(1);
    expect(e.memHotplugOk).toBeCloseTo(0.75 * qemuOnly.memHotplugOk, 12);
  });
});

describe('summary.csv marks every value exact or simulated', () => {
  it('fills the _exact columns by default, reads them back to the same bytes, and --simulate empties them all and says so', () => {
    const dir = tmp('doorbell-exact-');
    const run = (out: string, ...extra: string[]) => {
      const r = cli('run', '--scenario', 'second-group-other-msi', '--policy', 'kernel-rejects', '--policy', 'qemu-aborts', '--trials', '20', '--out', join(dir, out), '--quiet', '--jobs', '1', ...extra);
      expect(r.status, r.stderr).toBe(0);
      return [readFileSync(join(dir, out, 'summary.csv'), 'utf8'), readFileSync(join(dir, out, 'paired.csv'), 'utf8')] as const;
    };
    const [summary, paired] = run('exact');
    const rows = parseSummaryCsv(summary);
    expect(rows.every((r) => r.exact !== undefined && r.exactNote === '')).toBe(true);
    // chance: 0.5 on the second hotplug: the exact attempts are 0.5 per trial, 10 over 20 trials.
    expect(rows.map((r) => r.exact!.hotplugAttempts)).toEqual([0.5, 0.5]);
    expect(summary.split('\n')[1]).toContain(',10.000000,');
    // The DMA expectations sit beside their simulated columns and read back.
    const header = summary.split('\n')[0]!.split(',');
    for (const c of ['lost_bytes_mean', 'lost_bytes_sw_msi_mean', 'lost_bytes_unlogged_mean', 'dma_faults_mean']) expect(header[header.indexOf(c) + 1]).toBe(`${c}_exact`);
    expect(rows.every((r) => r.exact!.lostBytesMean >= 0 && r.exact!.lostBytesMeanByVisibility.unlogged <= r.exact!.lostBytesMean)).toBe(true);
    expect(renderSummaryCsv(rows)).toBe(summary);
    expect(renderPairedCsv(parsePairedCsv(paired))).toBe(paired);
    expect(parsePairedCsv(paired).some((c) => c.exactDiff !== undefined)).toBe(true);
    const [simulated, simPaired] = run('sim', '--simulate');
    const simRows = parseSummaryCsv(simulated);
    expect(simRows.map((r) => [r.exact, r.dataLossExact, r.deterministic, r.exactNote])).toEqual(simRows.map(() => [undefined, undefined, undefined, 'simulated (--simulate)']));
    expect(parsePairedCsv(simPaired).every((c) => c.exactDiff === undefined)).toBe(true);
    // The simulated columns are the same trials either way.
    expect(simRows.map((r) => [r.vmStart, r.hotplug, r.dataLoss])).toEqual(rows.map((r) => [r.vmStart, r.hotplug, r.dataLoss]));
  }, 300_000);
});
