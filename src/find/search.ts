// --find KEY=LO..HI: for each policy and outcome, the first value on the grid
// where the outcome changes. Where the exact engine is within the work
// budget (engine/exact.ts), every outcome is a probability over all paths of
// the scenario's draws: start is "P(start) = 1", hotplug "every request
// granted (E[ok] = E[attempts])", crash and loss "P > 0". Over the budget, or
// with `simulate`, trials decide (trial 0 unless declared randomness reaches
// the outcome: "in every one of T trials" for start and hotplug, "in any" for
// crash and loss). Bisection assumes one change between the ends; both ends
// and the two values around the change are played.
import { exactLossAndReach } from '../engine/exact.js';
import type { ResolvedPolicy } from '../engine/policies.js';
import { runTrial } from '../engine/trial.js';
import { applyPoint } from '../scenario/params.js';
import type { Grid } from '../scenario/ranges.js';
import type { Scenario } from '../scenario/types.js';

export type Outcome = 'start' | 'hotplug' | 'crash' | 'loss';
export const OUTCOMES: readonly Outcome[] = ['start', 'hotplug', 'crash', 'loss'];

/** Per outcome: true (granted / crashed / lost), false, or null where it does not apply at that value. */
export type Probe = Readonly<Record<Outcome, boolean | null>>;

/** Whether declared randomness can change start, hotplug or crash between trials. */
export function isRandom(s: Scenario): boolean {
  return s.timeline.some((e) => ('chance' in e && e.chance < 1) || ((e.kind === 'hotplug' || e.kind === 'migrate') && e.pool.length > 1));
}

/** How probe decided: the exact engine, or trials (over the work budget, or `simulate`). */
export type Route = 'exact' | 'trials';

export function probe(s: Scenario, policy: ResolvedPolicy, trials: number, seed: string, simulate = false): Probe & { readonly route: Route } {
  const exact = simulate ? undefined : exactLossAndReach(s, policy.instance);
  if (exact) {
    const m = exact.metrics;
    const started = m.vmStart === 1;
    // A ratio of expectations is 1 only when every path's every request was granted.
    const hotplug = m.hotplugAttempts > 0 ? m.hotplugOk === m.hotplugAttempts : null;
    const crash = s.timeline.some((e) => e.kind === 'memory-hotplug') ? m.vmCrash > 0 : null;
    return { start: started, hotplug: started ? hotplug : null, crash: started ? crash : null, loss: exact.loss.data > 0, route: 'exact' };
  }
  const n = isRandom(s) ? trials : 1;
  let started = true;
  let hotplug: boolean | null = null;
  let crash: boolean | null = s.timeline.some((e) => e.kind === 'memory-hotplug') ? false : null;
  let lost = false;
  for (let t = 0; t < n; t++) {
    const r = runTrial({ scenario: s, policy: policy.instance, seed, trial: t });
    if (r.status !== 'ok') throw new Error(`${s.name} under ${policy.id}: trial ${t} could not be played: ${r.message}`);
    started &&= r.vmStarted;
    if (r.hotplugAttempts > 0) hotplug = (hotplug ?? true) && r.hotplugOk === r.hotplugAttempts;
    if (crash !== null) crash ||= r.vmCrashed;
    lost ||= r.lostOps > 0;
  }
  return { start: started, hotplug: started ? hotplug : null, crash: started ? crash : null, loss: lost, route: 'trials' };
}

export interface Change {
  readonly outcome: Outcome;
  /** Index of the first value with the new outcome; the one before has the old. */
  readonly index: number;
  readonly from: boolean;
  readonly to: boolean;
}

/** The change points of one scenario × policy over the grid, found by bisection per outcome. */
export function findChanges(s: Scenario, key: string, grid: Grid, policy: ResolvedPolicy, trials: number, seed: string, simulate = false): { changes: Change[]; ends: [Probe, Probe]; probes: number; routes: ReadonlySet<Route> } {
  const memo = new Map<number, ReturnType<typeof probe>>();
  const at = (i: number) => {
    let p = memo.get(i);
    if (!p) memo.set(i, (p = probe(applyPoint(s, { [key]: grid.at(i) }), policy, trials, seed, simulate)));
    return p;
  };
  const last = grid.length - 1;
  const changes: Change[] = [];
  for (const outcome of OUTCOMES) {
    const lo = at(0)[outcome];
    const hi = at(last)[outcome];
    if (lo === null || hi === null || lo === hi) continue;
    let [a, b] = [0, last];
    while (b - a > 1) {
      const mid = Math.floor((a + b) / 2);
      const v = at(mid)[outcome];
      if (v === lo) a = mid;
      else if (v === hi) b = mid;
      else break; // the outcome stops applying (the VM no longer starts): the start change says why
    }
    if (b - a === 1) changes.push({ outcome, index: b, from: lo, to: hi });
  }
  return { changes, ends: [at(0), at(last)], probes: memo.size, routes: new Set([...memo.values()].map((p) => p.route)) };
}
