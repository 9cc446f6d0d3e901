// Which pairs of policies a report compares, per scenario: every policy
// against the baseline on data loss, silent loss and hotplug success; and
// the two positions of the 2016 thread against each other (kernel-rejects −
// qemu-aborts) on every metric where they can differ, each with Newcombe's
// paired interval, or marked identical by construction where both policies
// made the same kernel calls and decisions in every trial.
import type { PairResult } from '../engine/study.js';
import { type PairedDiff, newcombePaired, tally } from './paired.js';
import type { TrialOutcome } from './outcomes.js';

export type Metric = string;
export const METRICS: readonly Metric[] = ['data_loss', 'silent_loss', 'hotplug_ok'];
/** Alex vs Will, in report order; data_loss@U and silent_loss@U follow for each userspace of a fleet. */
export const ALEX_WILL_METRICS: readonly Metric[] = [
  'vm_start', 'hotplug_ok', 'mem_hotplug_ok', 'migration_ok', 'vm_crash', 'data_loss', 'silent_loss',
  'loss_unlogged', 'loss_host_logged', 'loss_guest_visible', 'refused_calls', 'ram_cost',
];
export const ALEX = 'kernel-rejects';
export const WILL = 'qemu-aborts';

export interface Comparison extends PairedDiff {
  readonly scenario: string;
  readonly point: string;
  readonly metric: Metric;
  readonly first: string;
  readonly second: string;
  /** Same kernel calls and decisions in every paired trial: the difference is zero by construction. */
  readonly byConstruction: boolean;
  /** Both sides' probabilities exact (engine/exact-metrics.ts): their difference, exact; undefined otherwise. */
  readonly exactDiff: number | undefined;
}

type Outcome = (p: PairResult, i: number) => boolean | undefined;

/** Per metric, the trial's binary outcome (undefined: the trial does not count). */
function outcomeFor(metric: Metric): Outcome {
  const [base, only] = metric.split('@') as [string, string | undefined];
  const o = (p: PairResult, i: number): TrialOutcome | undefined => {
    const x = p.outcomes[i];
    return x && (only === undefined || x.userspace === only) ? x : undefined;
  };
  const lost = (p: PairResult, i: number) => (o(p, i) ? p.loss[i] : undefined);
  switch (base) {
    case 'data_loss': return (p, i) => (lost(p, i) === undefined ? undefined : lost(p, i) !== 'none');
    case 'silent_loss': return (p, i) => (lost(p, i) === undefined ? undefined : lost(p, i) === 'silent');
    case 'hotplug_ok': return (p, i) => p.hotplug[i];
    case 'vm_start': return (p, i) => o(p, i)?.started;
    case 'mem_hotplug_ok': return (p, i) => o(p, i)?.memHotplug;
    case 'migration_ok': return (p, i) => o(p, i)?.migration;
    case 'vm_crash': return (p, i) => o(p, i)?.crashed;
    case 'loss_unlogged': return (p, i) => o(p, i)?.unlogged;
    case 'loss_host_logged': return (p, i) => o(p, i)?.hostLogged;
    case 'loss_guest_visible': return (p, i) => o(p, i)?.guestVisible;
    case 'refused_calls': return (p, i) => o(p, i)?.refused;
    default: return (p, i) => o(p, i)?.ramCost;
  }
}

function paired(s: string, point: string, x: PairResult, y: PairResult, metric: Metric, byConstruction: boolean): Comparison {
  const f = outcomeFor(metric);
  const n = Math.min(x.loss.length, y.loss.length);
  const xs = Array.from({ length: n }, (_, i) => f(x, i));
  const ys = Array.from({ length: n }, (_, i) => f(y, i));
  const [ex, ey] = [exactOf(metric, x.row), exactOf(metric, y.row)];
  const exactDiff = ex !== undefined && ey !== undefined ? (Math.abs(ex - ey) < 1e-12 ? 0 : ex - ey) : undefined;
  return { scenario: s, point, metric, first: x.policy.id, second: y.policy.id, byConstruction, exactDiff, ...newcombePaired(tally(xs, ys)) };
}

/** A metric's exact probability per trial, where the exact engine computed one that means what the paired outcome means. */
function exactOf(metric: Metric, r: PairResult['row']): number | undefined {
  if (metric === 'data_loss') return r.dataLossExact;
  if (metric === 'silent_loss') return r.silentLossExact;
  if (metric === 'vm_start') return r.exact?.vmStart;
  if (metric === 'vm_crash') return r.exact?.vmCrash;
  return undefined; // hotplug_ok and the rest pair "every request of the trial succeeded", which the exact engine does not sum
}

/** Same transcript (kernel calls with results, decisions) in every trial both ran. */
function sameByConstruction(x: PairResult, y: PairResult): boolean {
  if (x.outcomes.length === 0 || x.outcomes.length !== y.outcomes.length) return false;
  return x.outcomes.every((o, i) => o !== undefined && o.transcript === y.outcomes[i]?.transcript);
}

export function compare(pairs: readonly PairResult[], baseline: string): Comparison[] {
  const out: Comparison[] = [];
  const units = [...new Map(pairs.map((p) => [`${p.scenario.name}\u0000${p.point}`, { s: p.scenario.name, point: p.point }])).values()];
  for (const { s, point } of units) {
    const of = pairs.filter((p) => p.scenario.name === s && p.point === point);
    const base = of.find((p) => p.policy.id === baseline);
    if (base) for (const p of of) if (p !== base) for (const metric of METRICS) out.push(paired(s, point, p, base, metric, false));
    const alex = of.find((p) => p.policy.id === ALEX);
    const will = of.find((p) => p.policy.id === WILL);
    if (!alex || !will) continue;
    const same = sameByConstruction(alex, will);
    const fleet = alex.scenario.vmms.length > 1 ? alex.scenario.vmms.map((v) => v.userspace) : [];
    const metrics = [...ALEX_WILL_METRICS, ...fleet.flatMap((u) => [`data_loss@${u}`, `silent_loss@${u}`])];
    for (const metric of metrics) out.push(paired(s, point, alex, will, metric, same));
  }
  return out;
}
