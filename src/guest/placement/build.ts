// A device's placement: its profile's regions (and the low-memory share the
// scenario asks for, as dma32) turned into one density over aligned start
// slots, which the sampler and the exact mode both draw from.
import type { IntervalSet } from '../../model/intervals.js';
import { type Alignment, alignmentPages } from '../alignment.js';
import { type Density, combine, fromSlots } from '../density.js';
import { slotSpace } from '../slots.js';
import { dma32 } from './dma32.js';
import type { GuestArch, Region } from './profile.js';
import { placementProfile } from './registry.js';

export interface Placement {
  readonly pages: number;
  /** Pages per slot: slot k starts at page k × align. */
  readonly align: number;
  /** Where a fresh buffer starts, over slots; mass 1 (empty if nothing fits). */
  readonly density: Density;
}

export interface PlacementRequest {
  readonly arch: GuestArch;
  readonly buffers: number;
  readonly pages: number;
  readonly profile: string;
  readonly alignment: Alignment;
  /** Share of buffers taken below 4 GiB whatever the profile (a ZONE_DMA32-style driver). */
  readonly lowBias: number;
}

/** Trials repeat the same usable RAM: the most recent placements, by what they depend on. */
const recent: Array<{ usable: IntervalSet; boot: IntervalSet; key: string; place: Placement }> = [];

/** `boot`: what was usable when the guest booted, where boot-time reservations lie (profile.ts). */
export function placementFor(usable: IntervalSet, req: PlacementRequest, boot: IntervalSet = usable): Placement {
  const key = `${req.arch}/${req.buffers}/${req.pages}/${req.profile}/${req.alignment}/${req.lowBias}`;
  const hit = recent.find((e) => e.key === key && e.usable.equals(usable) && e.boot.equals(boot));
  if (hit) return hit.place;
  const ctx = { usable, boot, arch: req.arch, workingSetBytes: BigInt(req.buffers) * BigInt(req.pages) * 4096n };
  const low = req.lowBias > 0 ? dma32.regions(ctx).map((r) => ({ ...r, weight: r.weight * req.lowBias })) : [];
  const main = placementProfile(req.profile).regions(ctx).map((r) => ({ ...r, weight: r.weight * (1 - req.lowBias) }));
  const align = alignmentPages(req.pages, req.alignment);
  const place = { pages: req.pages, align, density: mixture([...low, ...main], req.pages, align) };
  recent.unshift({ usable, boot, key, place });
  if (recent.length > 16) recent.pop();
  return place;
}

/** Each region uniform over its slots, weights renormalised over the regions a buffer fits in. */
function mixture(regions: readonly Region[], pages: number, align: number): Density {
  const spaces = regions.map((r) => ({ space: slotSpace(r.ranges, pages, align), weight: r.weight })).filter((x) => x.space.total > 0 && x.weight > 0);
  const sum = spaces.reduce((a, x) => a + x.weight, 0);
  let density: Density = [];
  for (const { space, weight } of spaces) density = combine(density, 1, fromSlots(space, weight / sum), 1);
  return density;
}
