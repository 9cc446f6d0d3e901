// --find KEY=LO..HI: for each policy and outcome, the first value on the grid
// where the outcome changes. Start, hotplug and crash are deterministic unless
// the scenario declares randomness that reaches them (`chance`, a pool of
// several); then the rule is "in every one of T trials" (start, hotplug) and
// "in any of T trials" (crash). Loss > 0 is "the exact silent-loss
// probability is above 0" (engine/exact.ts), or "any of T trials lost" where
// the exact value is not computable. Bisection assumes one change between the
// ends; both ends and the two values around the change are played.
import { exactLoss } from '../engine/exact.js';
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

export function probe(s: Scenario, policy: ResolvedPolicy, trials: number, seed: string): Probe {
  const n = isRandom(s) ? trials : 1;
  let started = true;
  let hotplug: boolean | null = null;
  let crash: boolean | null = s.timeline.some((e) => e.kind === 'memory-hotplug') ? false : null;
  let lostInTrials = false;
  for (let t = 0; t < n; t++) {
    const r = runTrial({ scenario: s, policy: policy.instance, seed, trial: t });
    if (r.status !== 'ok') throw new Error(`${s.name} under ${policy.id}: trial ${t} could not be played: ${r.message}`);
    started &&= r.vmStarted;
    if (r.hotplugAttempts > 0) hotplug = (hotplug ?? true) && r.hotplugOk === r.hotplugAttempts;
    if (crash !== null) crash ||= r.vmCrashed;
    lostInTrials ||= r.lostOps > 0;
  }
  // Data loss of any kind (Alex's criterion), whoever logs it: the exact probability where the scenario allows.
  const exact = exactLoss(s, policy.instance)?.data;
  return { start: started, hotplug: started ? hotplug : null, crash: started ? crash : null, loss: exact === undefined ? lostInTrials : exact > 0 };
}

export interface Change {
  readonly outcome: Outcome;
  /** Index of the first value with the new outcome; the one before has the old. */
  readonly index: number;
  readonly from: boolean;
  readonly to: boolean;
}

/** The change points of one scenario × policy over the grid, found by bisection per outcome. */
export function findChanges(s: Scenario, key: string, grid: Grid, policy: ResolvedPolicy, trials: number, seed: string): { changes: Change[]; ends: [Probe, Probe] } {
  const memo = new Map<number, Probe>();
  const at = (i: number) => {
    let p = memo.get(i);
    if (!p) memo.set(i, (p = probe(applyPoint(s, { [key]: grid.at(i) }), policy, trials, seed)));
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
  return { changes, ends: [at(0), at(last)] };
}
