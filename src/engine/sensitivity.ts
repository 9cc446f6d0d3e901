// How far each exact loss figure moves over the declared assumption space:
// every workload (the scenario's, then each driver preset) × placement
// profile × buffer alignment × guest mix, computed exactly
// (engine/exact.ts, cheap), and which single assumption, varied alone from
// the scenario's own choice, moves it most.
import { ALIGNMENTS } from '../guest/alignment.js';
import { PLACEMENT_NAMES } from '../guest/placement/registry.js';
import { PRESET_NAMES } from '../guest/presets.js';
import type { PolicyInstance } from '../policy.js';
import type { ExactRange } from '../results/model.js';
import { applyPoint } from '../scenario/params.js';
import type { Scenario } from '../scenario/types.js';
import { exactLoss } from './exact.js';

/** The axes, in the order ties are named; each value is a sweep point ({} = the scenario as written). */
export const ASSUMPTION_AXES: ReadonlyArray<{ readonly name: string; readonly values: ReadonlyArray<Record<string, string>> }> = [
  { name: 'placement', values: PLACEMENT_NAMES.map((v) => ({ 'workload.placement': v })) },
  { name: 'alignment', values: ALIGNMENTS.map((v) => ({ 'workload.alignment': v })) },
  // The scenario's own guests, then every guest deaf to runtime hints, then every guest hearing them.
  { name: 'guest mix', values: [{}, { 'guests.runtime': '0' }, { 'guests.runtime': '1' }] },
  // The scenario's own workload, then each driver preset (guest/presets.ts).
  { name: 'workload', values: [{}, ...PRESET_NAMES.map((v) => ({ 'workload.preset': v }))] },
];

/** Below this, a spread is round-off: no assumption moves the figure. */
const FLAT = 1e-9;

export function lossRanges(scenario: Scenario, policy: PolicyInstance): { data: ExactRange; silent: ExactRange } | undefined {
  const cache = new Map<string, { data: number; silent: number } | undefined>();
  const at = (point: Record<string, string>) => {
    const key = JSON.stringify(point);
    if (!cache.has(key)) cache.set(key, exactLoss(applyPoint(scenario, point), policy));
    return cache.get(key);
  };
  // The full product, for the range.
  let points: Array<Record<string, string>> = [{}];
  // The workload's keys first: applyPoint goes in key order, so a point's placement and alignment apply over the preset's.
  for (const axis of ASSUMPTION_AXES) points = points.flatMap((p) => axis.values.map((v) => (axis.name === 'workload' ? { ...v, ...p } : { ...p, ...v })));
  const all = points.map(at);
  if (all.some((x) => x === undefined)) return undefined;
  const range = (metric: 'data' | 'silent'): ExactRange => {
    const xs = all.map((x) => x![metric]);
    let sensitiveTo = 'none';
    let widest = FLAT;
    for (const axis of ASSUMPTION_AXES) {
      const ys = axis.values.map((v) => at(v)![metric]);
      const spread = Math.max(...ys) - Math.min(...ys);
      if (spread > widest) [widest, sensitiveTo] = [spread, axis.name];
    }
    return { lo: Math.min(...xs), hi: Math.max(...xs), sensitiveTo };
  };
  return { data: range('data'), silent: range('silent') };
}
