// `doorbell run --find KEY=LO..HI[:STEP]` (or KEY=V1,V2,... for versions):
// the thresholds of each scenario × policy, printed one line each.
import { InputError, didYouMean } from '../errors.js';
import { formatSize, parseQuantity } from '../model/addr.js';
import type { ResolvedPolicy } from '../engine/policies.js';
import { SWEEP_PARAMS, applyPoint, parseSweep } from '../scenario/params.js';
import { type Grid, isRange, rangeGrid } from '../scenario/ranges.js';
import type { Scenario } from '../scenario/types.js';
import { whyRamChange } from './explain-change.js';
import { type Change, type Outcome, findChanges, isRandom } from './search.js';

export interface FindRequest {
  readonly key: string;
  readonly grid: Grid;
}

export function parseFind(flag: string): FindRequest {
  const eq = flag.indexOf('=');
  const key = eq < 0 ? flag : flag.slice(0, eq);
  const spec = SWEEP_PARAMS[key];
  if (!spec) throw new InputError(`--find: unknown parameter '${key}'${didYouMean(key, Object.keys(SWEEP_PARAMS))}`, `one of: ${Object.keys(SWEEP_PARAMS).join(', ')}`);
  const text = flag.slice(eq + 1);
  if (eq < 0 || text === '') throw new InputError(`--find ${key}: no range`, spec.kind === 'version' ? `${key}=V1,V2,... (versions in order)` : `${key}=LO..HI[:STEP]`);
  if (isRange(text)) return { key, grid: rangeGrid('--find', key, spec.kind, text) };
  const values = parseSweep([`${key}=${text}`])[0]!.values;
  if (values.length < 2) throw new InputError(`--find ${key}: one value`, 'a range LO..HI or at least two values in order');
  const show = spec.kind === 'size' ? (v: string) => formatSize(parseQuantity(v)!) : (v: string) => v;
  return { key, grid: { length: values.length, at: (i) => values[i]!, show } };
}

const PHRASE: Record<Outcome, [string, string]> = {
  start: ['start refused', 'starts'],
  hotplug: ['hotplug refused', 'hotplug granted'],
  crash: ['no crash', 'the VM crashes'],
  loss: ['no data loss', 'data loss > 0'],
};

function line(s: Scenario, req: FindRequest, policy: ResolvedPolicy, c: Change): string {
  const value = req.grid.at(c.index);
  const before = req.grid.at(c.index - 1);
  const why = req.key === 'vm.ram' ? whyRamChange(s, before, value) : undefined;
  const phrase = (v: boolean) => PHRASE[c.outcome][v ? 1 : 0];
  return `${policy.id}: ${phrase(c.to)} from ${req.grid.show(value)} (${why ?? `${req.grid.show(before)}: ${phrase(c.from)}`})`;
}

/** Every scenario × policy; the lines to print, after a header stating the rules. `simulate`: trials only (--simulate). */
export function runFind(req: FindRequest, scenarios: readonly Scenario[], policies: readonly ResolvedPolicy[], trials: number, seed: string, simulate = false): string[] {
  const trialRule = `trial 0 where no declared randomness reaches the outcome, else granted in all ${trials} trials / crashed or lost in any of them`;
  const out = [
    `--find ${req.key}: ${req.grid.show(req.grid.at(0))} to ${req.grid.show(req.grid.at(req.grid.length - 1))}, ${req.grid.length} values; the first value where each outcome changes, by bisection (one change between the ends assumed)`,
    simulate
      ? `start, hotplug, crash, data loss > 0 (any lost write, logged or not): trials (--simulate): ${trialRule}`
      : `start, hotplug, crash, data loss > 0 (any lost write, logged or not): exact over every path of the draws (P(start) = 1, every hotplug granted, P(crash) > 0, P(loss) > 0); over the work budget, trials: ${trialRule}`,
  ];
  for (const s of scenarios) {
    const found = policies.map((policy) => ({ policy, ...findChanges(s, req.key, req.grid, policy, trials, seed, simulate) }));
    const routes = new Set(found.flatMap((f) => [...f.routes]));
    // Which rule decided: the header says both; the scenario line says which applied here.
    const how = routes.has('trials') ? (isRandom(s) ? `${routes.has('exact') ? 'trials where over the work budget, ' : ''}declared randomness: ${trials} trials per value` : `${routes.has('exact') ? 'trials where over the work budget' : 'trials'}: trial 0 per value`) : 'exact';
    out.push('', `${s.name} (${how})`);
    for (const { policy, changes } of found) {
      if (changes.length === 0) out.push(`  ${policy.id}: no change from ${req.grid.show(req.grid.at(0))} to ${req.grid.show(req.grid.at(req.grid.length - 1))}`);
      for (const c of changes) out.push(`  ${line(s, req, policy, c)}`);
    }
  }
  return out;
}

/** Every scenario takes the parameter at both ends, or the search is refused now. */
export function checkFindApplies(req: FindRequest, scenarios: readonly Scenario[]): void {
  for (const s of scenarios) for (const i of [0, req.grid.length - 1]) applyPoint(s, { [req.key]: req.grid.at(i) });
}
