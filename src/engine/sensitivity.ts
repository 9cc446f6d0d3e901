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
import { type ExactReach, exactLossAndReach } from './exact.js';
import { guestArch } from './guest.js';
import { type Tapes, recordTapes, replayLoss } from './loss-replay.js';
import { placementFor } from '../guest/placement/build.js';

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

/** Every point of the assumption space (the full product of the axes). */
export function assumptionPoints(): Array<Record<string, string>> {
  let points: Array<Record<string, string>> = [{}];
  // The workload's keys first: applyPoint goes in key order, so a point's placement and alignment apply over the preset's.
  for (const axis of ASSUMPTION_AXES) points = points.flatMap((p) => axis.values.map((v) => (axis.name === 'workload' ? { ...v, ...p } : { ...p, ...v })));
  return points;
}

export function lossRanges(scenario: Scenario, policy: PolicyInstance): { data: ExactRange; silent: ExactRange } | undefined {
  const cache = new Map<string, { data: number; silent: number } | undefined>();
  // The same point without its workload keys: the guest mix alone decides the paths, mappings and danger maps.
  const base = new Map<string, ReturnType<typeof exactLossAndReach>>();
  // Many points are the same scenario (a preset equal to its workload, coherent on x86, a mix equal to its guests): computed once.
  const byContent = new Map<string, { data: number; silent: number } | undefined>();
  const tapes = new Map<string, Tapes | undefined>();
  const at = (point: Record<string, string>) => {
    const key = JSON.stringify(point);
    if (cache.has(key)) return cache.get(key);
    const mix = point['guests.runtime'] === undefined ? {} : { 'guests.runtime': point['guests.runtime'] };
    const mixKey = JSON.stringify(mix);
    const mixed = applyPoint(scenario, mix);
    // Mixes that give the scenario's own guests (or each other's) are one computation.
    const guests = JSON.stringify(mixed.guests);
    if (!base.has(guests)) base.set(guests, exactLossAndReach(mixed, policy));
    const b = base.get(guests);
    const variant = applyPoint(scenario, point);
    const same = sameAs(variant);
    // The mix's paths are played once (loss-replay.ts); each other workload replays their working-set steps.
    const replayed = () => {
      if (!tapes.has(guests)) tapes.set(guests, recordTapes(mixed, policy));
      const t = tapes.get(guests);
      return t ? replayLoss(t, variant) : exactLossAndReach(variant, policy)?.loss;
    };
    if (!byContent.has(same)) byContent.set(same, key === mixKey ? b?.loss : b && cannotLose(variant, b.reach) ? { data: 0, silent: 0 } : replayed());
    cache.set(key, byContent.get(same));
    return cache.get(key);
  };
  // The full product, for the range.
  const all = assumptionPoints().map(at);
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

/**
 * A workload (buffers, size, placement, alignment, churn) reaches no policy,
 * mapping or danger map: it only shapes the buffer densities. So where no
 * path met any danger range, no workload loses anything, provided each of
 * its devices' buffers fits the RAM every placement drew from (else the
 * probe fails, and the variant must be computed to say so).
 */
function cannotLose(variant: Scenario, reach: ExactReach): boolean {
  if (reach.danger) return false;
  const same = (a?: { equals(o: unknown): boolean }, b?: unknown) => a === b || (!!a && !!b && a.equals(b));
  const from: Array<ExactReach['placedFrom'][number]> = [];
  for (const p of reach.placedFrom) if (!from.some((q) => same(q.usable, p.usable) && same(q.boot, p.boot))) from.push(p);
  const arch = guestArch(variant);
  return variant.devices.every(({ workload: w }) =>
    from.every(({ usable, boot }) => placementFor(usable, { arch, buffers: w.buffers, pages: Number(w.bufferBytes / 4096n), profile: w.placement, alignment: w.alignment, lowBias: w.lowBias }, boot).density.length > 0),
  );
}

/**
 * What the exact engine reads of a variant, as text: the preset's name is a
 * label (its numbers are in the workload), and on x86 `coherent` places as
 * steady-state does (guest/placement/coherent.ts: no CMA area on x86).
 */
function sameAs(variant: Scenario): string {
  const x86 = guestArch(variant) === 'x86';
  // A point changes the guests and the devices' workloads alone (ASSUMPTION_AXES): the rest of the scenario is common.
  return JSON.stringify([variant.guests, variant.devices.map((d) => d.workload)], (k, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : k === 'preset' ? undefined : k === 'placement' && x86 && v === 'coherent' ? 'steady-state' : v,
  );
}
