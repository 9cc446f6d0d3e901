// Which pairs of policies a report compares, per scenario: every policy
// against the baseline, and the two positions of the 2016 thread against
// each other (kernel-rejects − qemu-aborts), on data loss, silent loss and
// hotplug success, each with Newcombe's paired interval.
import type { PairResult } from '../engine/study.js';
import { type PairedDiff, newcombePaired, tally } from './paired.js';

export type Metric = 'data_loss' | 'silent_loss' | 'hotplug_ok';
export const METRICS: readonly Metric[] = ['data_loss', 'silent_loss', 'hotplug_ok'];

export interface Comparison extends PairedDiff {
  readonly scenario: string;
  readonly point: string;
  readonly metric: Metric;
  readonly first: string;
  readonly second: string;
}

export function compare(pairs: readonly PairResult[], baseline: string): Comparison[] {
  const out: Comparison[] = [];
  const units = [...new Map(pairs.map((p) => [`${p.scenario.name}\u0000${p.point}`, { s: p.scenario.name, point: p.point }])).values()];
  for (const { s, point } of units) {
    const of = pairs.filter((p) => p.scenario.name === s && p.point === point);
    const base = of.find((p) => p.policy.id === baseline);
    const pairings: Array<[PairResult, PairResult]> = [];
    if (base) for (const p of of) if (p !== base) pairings.push([p, base]);
    const alex = of.find((p) => p.policy.id === 'kernel-rejects');
    const will = of.find((p) => p.policy.id === 'qemu-aborts');
    if (alex && will) pairings.push([alex, will]);
    for (const [x, y] of pairings) {
      const lost = (p: PairResult, silentOnly: boolean) => p.loss.map((l) => (l === undefined ? undefined : silentOnly ? l === 'silent' : l !== 'none'));
      for (const metric of METRICS) {
        const t = metric === 'hotplug_ok' ? tally(x.hotplug, y.hotplug) : tally(lost(x, metric === 'silent_loss'), lost(y, metric === 'silent_loss'));
        out.push({ scenario: s, point, metric, first: x.policy.id, second: y.policy.id, ...newcombePaired(t) });
      }
    }
  }
  return out;
}
