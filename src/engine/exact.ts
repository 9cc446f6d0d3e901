// The exact probability that a trial loses data, and that it loses some
// silently: every path of the scenario's discrete draws (guest mix,
// `chance`, pools) is played once in analytic mode (guest/analytic-set.ts)
// and weighted by its probability. Every other metric the path decides is
// summed alongside (exact-metrics.ts).
import type { LossProbabilities } from '../guest/analytic-set.js';
import type { PolicyInstance } from '../policy.js';
import type { IntervalSet } from '../model/intervals.js';
import type { Scenario } from '../scenario/types.js';
import { outcomeOf } from '../results/outcomes.js';
import { TrialRun } from './trial.js';
import type { TrialMetrics } from './result.js';
import { exactOverBudget } from '../scenario/work-budget.js';
import { forEachPath } from './paths.js';
import { ExactAccumulator, type ExactMetrics } from './exact-metrics.js';

/** What every path's DMA could reach: any danger range at all, and the RAM each placement drew from. */
export interface ExactReach {
  readonly danger: boolean;
  readonly placedFrom: ReadonlyArray<{ readonly usable: IntervalSet; readonly boot: IntervalSet | undefined }>;
}

// 1 - ∏ survival leaves round-off of order 1e-16 where nothing can be lost.
const clean = (p: number) => (p < 1e-12 ? 0 : Math.min(1, p));

export { MAX_PATHS } from './paths.js';

export function exactLoss(scenario: Scenario, policy: PolicyInstance): LossProbabilities | undefined {
  return exactLossAndReach(scenario, policy)?.loss;
}

/** exactLoss, and what the paths' DMA could reach (sensitivity.ts skips variants that cannot move the loss). */
export function exactLossAndReach(scenario: Scenario, policy: PolicyInstance): { loss: LossProbabilities; reach: ExactReach; deterministic: boolean; metrics: ExactMetrics; fact: TrialMetrics | undefined } | undefined {
  if (exactOverBudget(scenario) !== undefined) return undefined;
  const total = { data: 0, silent: 0 };
  const metrics = new ExactAccumulator();
  // Every path's outcome: what it did (outcomeOf, less the lost bytes' visibility, which only the sampled DMA counts), and whether it loses.
  const outcomes = new Set<string>();
  let certain = true;
  // Every path's whole metrics: one value, with nothing lost and no buffer placed over danger, makes every trial the same.
  const whole = new Set<string>();
  let first: TrialMetrics | undefined;
  const reach = { danger: false, placedFrom: [] as Array<ExactReach['placedFrom'][number]> };
  const walked = forEachPath(
    (choose) => {
      const run = new TrialRun({ scenario, policy, seed: 'exact', trial: 0, choose });
      const m = run.run();
      return { run, m, did: outcomeOf(m), loss: run.lossProbability() };
    },
    (weight, { run, m, did, loss }) => {
      total.data += weight * loss.data;
      total.silent += weight * loss.silent;
      metrics.add(weight, m);
      const [data, silent] = [clean(loss.data), clean(loss.silent)];
      if ((data !== 0 && data !== 1) || (silent !== 0 && silent !== 1)) certain = false;
      const { unlogged: _u, hostLogged: _h, guestVisible: _g, ...rest } = did;
      outcomes.add(JSON.stringify({ ...rest, data, silent }));
      reach.danger ||= run.reach.danger;
      if (weight > 0) {
        whole.add(metricsKey(m));
        first ??= m;
      }
      reach.placedFrom.push(...run.reach.placedFrom);
    },
  );
  if (!walked) return undefined;
  const loss = { data: clean(total.data), silent: clean(total.silent) };
  // Every path the same in every metric, nothing lost and no buffer placed where it could lose (the path's expected dangerous placements,
  // guest/analytic-set.ts, are 0 only where none can be): every trial's result is this one (engine/fact.ts).
  const fact = whole.size === 1 && loss.data === 0 && first?.dangerousPlacements === 0 ? first : undefined;
  // The same outcome on every path, each losing in all of its trials or none: every trial ends alike, a fact.
  return { loss, reach, deterministic: certain && outcomes.size === 1, metrics: metrics.finish(), fact };
}

/** A trial's metrics as text, bigints included: equal texts, equal results. */
export function metricsKey(m: TrialMetrics): string {
  return JSON.stringify(m, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** The exact probability that a trial loses data silently (see exactLoss). */
export function exactSilentLoss(scenario: Scenario, policy: PolicyInstance): number | undefined {
  return exactLoss(scenario, policy)?.silent;
}
