// Where a buffer may start: aligned start slots over page ranges. Slot k
// starts at page k × align; a buffer of `pages` pages fits at slot k when
// every page from k × align to k × align + pages - 1 lies in one range.
import { PAGE_SHIFT } from '../model/addr.js';
import type { IntervalSet } from '../model/intervals.js';

export interface SlotSpace {
  readonly firstSlot: Float64Array;
  /** Slots in ranges 0..i, cumulative. */
  readonly cumulative: Float64Array;
  readonly total: number;
}

export function slotSpace(usable: IntervalSet, pages: number, align: number): SlotSpace {
  const first: number[] = [];
  const cum: number[] = [];
  let total = 0;
  for (const r of usable.ranges) {
    const a = Number(r.start >> PAGE_SHIFT);
    const z = Number(r.last >> PAGE_SHIFT);
    const lo = Math.ceil(a / align);
    const hi = Math.floor((z - pages + 1) / align);
    if (hi < lo) continue;
    first.push(lo);
    total += hi - lo + 1;
    cum.push(total);
  }
  return { firstSlot: Float64Array.from(first), cumulative: Float64Array.from(cum), total };
}
