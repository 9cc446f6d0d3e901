// Per device: which guest pages a DMA does not land on, and why. Built once
// per state change with bigint interval algebra, then flattened to page
// numbers (exact below 2^53: a 64-bit space has 2^52 pages) for the hot loop.
import { PAGE_SHIFT } from '../model/addr.js';
import type { MsiSetup } from '../kernel/types.js';
import { type Host, type IommuGroup, apertureOf, beyondDmaLimit } from '../model/host.js';
import { IntervalSet } from '../model/intervals.js';
import { roundOut } from '../vmm/layout.js';
import { Outcome, type Visibility, visibilityOf } from './outcome.js';

export interface DangerMap {
  readonly firstPage: Float64Array;
  readonly lastPage: Float64Array;
  readonly outcome: Uint8Array;
  /** Who sees a write the range swallows (Visibility), beside its outcome. */
  readonly visibility: Uint8Array;
  /** The same classes as bigint byte ranges, for traces and reports. */
  readonly classes: ReadonlyArray<{ outcome: Outcome; visibility: Visibility; set: IntervalSet }>;
}

export interface DeviceDmaContext {
  readonly host: Host;
  readonly group: IommuGroup;
  /** IOVAs mapped in the device's container. */
  readonly mapped: IntervalSet;
  /** The SW_MSI doorbell pages the kernel maps for the device (swMsiDoorbellPages). */
  readonly swMsiDoorbells: IntervalSet;
}

/**
 * SW_MSI doorbell pages, where the kernel decided the device has them (an
 * MSI cookie; kernel/msi.ts): one granule-sized (PAGE_SIZE) IOVA page per
 * doorbell from the window base upwards (torvalds/linux:drivers/iommu/dma-iommu.c,
 * iommu_dma_get_msi_page). None without a cookie, e.g. beside a HW MSI region.
 * If userspace already mapped that IOVA (≤ 5.3 allows it) the kernel's map
 * fails and no doorbell exists: the device gets no MSIs (a loud failure).
 */
export function swMsiDoorbellPages(msi: MsiSetup, count: number): IntervalSet {
  if (msi.kind !== 'doorbell') return IntervalSet.EMPTY;
  const last = msi.window.start + BigInt(count) * msi.granule - 1n;
  return IntervalSet.of({ start: msi.window.start, last: last < msi.window.last ? last : msi.window.last });
}

/** Trials repeat the same states: the last maps built for a group, by what they depend on. */
const cache = new WeakMap<Host, WeakMap<IommuGroup, Array<{ mapped: IntervalSet; doorbells: IntervalSet; map: DangerMap }>>>();

export function buildDangerMap(ctx: DeviceDmaContext): DangerMap {
  let byGroup = cache.get(ctx.host);
  if (!byGroup) cache.set(ctx.host, (byGroup = new WeakMap()));
  let entries = byGroup.get(ctx.group);
  if (!entries) byGroup.set(ctx.group, (entries = []));
  const hit = entries.find((e) => e.doorbells.equals(ctx.swMsiDoorbells) && e.mapped.equals(ctx.mapped));
  if (hit) return hit.map;
  const map = computeDangerMap(ctx);
  entries.unshift({ mapped: ctx.mapped, doorbells: ctx.swMsiDoorbells, map });
  if (entries.length > 8) entries.pop();
  return map;
}

/**
 * DIRECT ranges a firmware agent DMAs into at any time: Intel RMRRs, AMD IVMD,
 * IORT RMR. `rmrr: false` marks Intel's ISA-bridge range, which is software
 * imposed ("self imposed and need not be enforced by drivers such as vfio",
 * torvalds/linux commit d8018a0e9195): nothing writes there.
 */
export function firmwareAgentRanges(group: IommuGroup): IntervalSet {
  return IntervalSet.from(group.regions.filter((r) => r.type === 'direct' && r.rmrr !== false));
}

function computeDangerMap(ctx: DeviceDmaContext): DangerMap {
  const { host, group, mapped } = ctx;
  const ofType = (t: string) => IntervalSet.from(group.regions.filter((r) => r.type === t));
  const doorbells = ctx.swMsiDoorbells;
  const liveDoorbells = mapped.intersect(doorbells).isEmpty ? doorbells : IntervalSet.EMPTY;
  const windows = host.bridges.filter((b) => !b.acs && b.groups.includes(group.id));
  // A window without `bars` is taken as implemented BARs throughout (the case that loses data silently).
  const peerBars = IntervalSet.from(windows.flatMap((b) => b.bars ?? [b]));

  const ordered: Array<{ outcome: Exclude<Outcome, 0>; set: IntervalSet }> = [
    { outcome: Outcome.peerBar, set: IntervalSet.from(windows).intersect(peerBars) },
    { outcome: Outcome.peerHole, set: IntervalSet.from(windows) },
    // Past the switch, before the IOMMU: the root complex cannot carry the address (host.ts dmaLimitBits).
    { outcome: Outcome.rcLimit, set: IntervalSet.from([beyondDmaLimit(group)].filter((r) => r !== undefined)) },
    { outcome: Outcome.faultAperture, set: apertureOf(host).complement() },
    { outcome: Outcome.interruptMsi, set: ofType('msi') },
    { outcome: Outcome.interruptSwMsi, set: liveDoorbells },
    // Firmware writes its 1:1 range at any time: where guest RAM is mapped there
    // it lands in guest pages; where it is not, the guest's own DMA faults.
    { outcome: Outcome.firmware, set: firmwareAgentRanges(group).intersect(mapped) },
    { outcome: Outcome.reserved, set: ofType('reserved') },
    { outcome: Outcome.faultUnmapped, set: mapped.complement() },
  ];
  // Precedence: subtract what an earlier class already claimed, at page granularity.
  let claimed = IntervalSet.EMPTY;
  const classes: Array<{ outcome: Outcome; visibility: Visibility; set: IntervalSet }> = [];
  for (const c of ordered) {
    const own = roundOut(c.set).subtract(claimed);
    claimed = claimed.union(own);
    if (!own.isEmpty) classes.push({ outcome: c.outcome, visibility: visibilityOf(c.outcome, host), set: own });
  }
  const flat: Array<{ first: number; last: number; outcome: Outcome; visibility: Visibility }> = [];
  for (const c of classes) {
    for (const r of c.set.ranges) {
      flat.push({ first: Number(r.start >> PAGE_SHIFT), last: Number(r.last >> PAGE_SHIFT), outcome: c.outcome, visibility: c.visibility });
    }
  }
  flat.sort((a, b) => a.first - b.first);
  return {
    firstPage: Float64Array.from(flat, (f) => f.first),
    lastPage: Float64Array.from(flat, (f) => f.last),
    outcome: Uint8Array.from(flat, (f) => f.outcome),
    visibility: Uint8Array.from(flat, (f) => f.visibility),
    classes,
  };
}

/** Index of the first danger range whose lastPage >= page (binary search). */
export function firstDangerAtOrAfter(map: DangerMap, page: number): number {
  let lo = 0;
  let hi = map.lastPage.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (map.lastPage[mid]! < page) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
