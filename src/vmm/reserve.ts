// Ben's layout (a what-if VMM): ranges reserved in the guest's firmware
// tables from creation, RAM laid out around them.
import type { Range } from '../model/addr.js';
import { IntervalSet } from '../model/intervals.js';
import { type MachineType, bootProblem, roundOut } from './layout.js';

/**
 * Punch `avoid` out of every RAM block and add the displaced bytes above the
 * highest one, skipping `avoid` again. RAM size is kept; the cost is address
 * space (a higher highest GPA).
 */
export function layOutAround(ram: readonly Range[], avoid: IntervalSet): Range[] {
  const holes = roundOut(avoid);
  const kept = IntervalSet.from(ram).subtract(holes);
  let displaced = IntervalSet.from(ram).measure() - kept.measure();
  const out = [...kept.ranges];
  let cursor = (IntervalSet.from(ram).max() ?? 0n) + 1n;
  while (displaced > 0n) {
    const blocker = holes.firstOverlap({ start: cursor, last: cursor + displaced - 1n });
    const end = blocker ? blocker.start - 1n : cursor + displaced - 1n;
    if (end >= cursor) {
      out.push({ start: cursor, last: end });
      displaced -= end - cursor + 1n;
    }
    if (blocker) cursor = blocker.last + 1n;
  }
  return IntervalSet.from(out).ranges.slice();
}

/** layOutAround, refused where the guest could not boot on the result (an x86 guest without low RAM). */
export function reserveAround(
  machine: MachineType,
  ram: readonly Range[],
  avoid: IntervalSet,
): { readonly status: 'ok'; readonly ram: Range[] } | { readonly status: 'error'; readonly message: string } {
  const out = layOutAround(ram, avoid);
  const problem = bootProblem(machine, out);
  return problem ? { status: 'error', message: problem } : { status: 'ok', ram: out };
}
