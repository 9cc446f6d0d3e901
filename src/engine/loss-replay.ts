// The exact loss of a workload variant without playing its paths again.
// A workload (buffers, size, placement, alignment, churn) reaches no policy,
// VMM, kernel or danger map, only the guest's working sets (engine/guest.ts
// is the one reader of `workload` in a trial). So the paths of one guest mix
// are played once, recording each working-set step (a tape), and every
// variant replays the density arithmetic alone: the same AnalyticSet calls
// on the same inputs, in the same order, as exact.ts would make, so the
// figures are the same to the last bit (test/loss-ranges.test.ts checks it).
import { alignmentPages } from '../guest/alignment.js';
import { AnalyticSet, type LossProbabilities } from '../guest/analytic-set.js';
import type { Placement } from '../guest/placement/build.js';
import type { IntervalSet } from '../model/intervals.js';
import type { PolicyInstance } from '../policy.js';
import { exactOverBudget } from '../scenario/work-budget.js';
import type { Scenario, Workload } from '../scenario/types.js';
import { type TapeStep, guestArch, workloadPlacement } from './guest.js';
import { TrialRun } from './trial.js';
import { forEachPath } from './paths.js';

/** Every path of a scenario under one policy: its probability and its working-set steps. */
export type Tapes = ReadonlyArray<{ readonly weight: number; readonly tape: readonly TapeStep[] }>;

// As in exact.ts: 1 - ∏ survival leaves round-off of order 1e-16 where nothing can be lost.
const clean = (p: number) => (p < 1e-12 ? 0 : Math.min(1, p));

/**
 * Plays every path as exact.ts does (same branching, same weights, same
 * order) and keeps its tape; undefined where exact.ts computes nothing
 * (over the work budget, a path that errors).
 */
export function recordTapes(scenario: Scenario, policy: PolicyInstance): Tapes | undefined {
  if (exactOverBudget(scenario) !== undefined) return undefined;
  const out: Array<{ weight: number; tape: TapeStep[] }> = [];
  const walked = forEachPath(
    (choose) => {
      const tape: TapeStep[] = [];
      new TrialRun({ scenario, policy, seed: 'exact', trial: 0, choose, tape }).run();
      return tape;
    },
    (weight, tape) => out.push({ weight, tape }),
  );
  return walked ? out : undefined;
}

/**
 * The exact loss of `variant` (the recorded scenario with other workloads),
 * or undefined where exact.ts would compute none (a buffer that fits no RAM).
 */
export function replayLoss(tapes: Tapes, variant: Scenario): LossProbabilities | undefined {
  if (exactOverBudget(variant) !== undefined) return undefined;
  const arch = guestArch(variant);
  const workloads = new Map(variant.devices.map((d) => [d.name, d.workload]));
  // Placements depend on the RAM drawn from and the workload alone: paths share them.
  const placements = new Map<IntervalSet, Map<IntervalSet | undefined, Map<Workload, Placement>>>();
  const placement = (usable: IntervalSet, boot: IntervalSet | undefined, w: Workload) => {
    const byBoot = placements.get(usable) ?? placements.set(usable, new Map()).get(usable)!;
    const byWork = byBoot.get(boot) ?? byBoot.set(boot, new Map()).get(boot)!;
    return byWork.get(w) ?? byWork.set(w, workloadPlacement(usable, boot, w, arch)).get(w)!;
  };
  const total = { data: 0, silent: 0 };
  try {
    for (const { weight, tape } of tapes) {
      const loss = replayPath(tape, workloads, placement);
      if (!loss) return undefined;
      total.data += weight * loss.data;
      total.silent += weight * loss.silent;
    }
  } catch {
    return undefined; // a path that errors: exact.ts has no loss probability either
  }
  return { data: clean(total.data), silent: clean(total.silent) };
}

/** One path: Guest.probe, retire, dma and lossProbability, the working-set parts only. */
function replayPath(tape: readonly TapeStep[], workloads: ReadonlyMap<string, Workload>, placement: (u: IntervalSet, b: IntervalSet | undefined, w: Workload) => Placement): LossProbabilities | undefined {
  const sets = new Map<string, AnalyticSet>();
  let retired = { data: 1, silent: 1 };
  for (const step of tape) {
    if (step.op === 'retire') {
      const set = sets.get(step.name)!;
      retired = times(retired, set.survival());
      sets.delete(step.name);
      continue;
    }
    const w = workloads.get(step.name)!;
    const place = placement(step.usable, step.boot, w);
    if (step.op === 'probe') {
      const pages = Number(w.bufferBytes / 4096n);
      const set = new AnalyticSet(w.buffers, pages, alignmentPages(pages, w.alignment));
      sets.set(step.name, set);
      if (!set.allocate(undefined, place)) return undefined;
    } else {
      sets.get(step.name)!.runPhase(undefined, step.operations!, step.rounds!, w.churn ?? step.churn!, place, step.map!);
    }
  }
  let survival = retired;
  for (const set of sets.values()) survival = times(survival, set.survival());
  return { data: 1 - survival.data, silent: 1 - survival.silent };
}

function times(a: LossProbabilities, b: LossProbabilities): LossProbabilities {
  return { data: a.data * b.data, silent: a.silent * b.silent };
}
