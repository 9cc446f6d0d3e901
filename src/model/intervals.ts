// An immutable set of 64-bit addresses kept as sorted, disjoint, non-touching
// inclusive ranges. The kernel's valid-IOVA list, guest RAM and reserved
// regions are all IntervalSets, so the algebra is written (and tested) once.
import { type Range, U64_MAX } from './addr.js';

export class IntervalSet {
  private constructor(readonly ranges: readonly Range[]) {}

  static readonly EMPTY = new IntervalSet([]);
  static readonly ALL = new IntervalSet([{ start: 0n, last: U64_MAX }]);

  static of(...ranges: Range[]): IntervalSet {
    return IntervalSet.from(ranges);
  }

  /** Normalises any list of ranges: sorts, merges overlapping and touching. */
  static from(input: Iterable<Range>): IntervalSet {
    const sorted = [...input].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    const out: Range[] = [];
    for (const r of sorted) {
      const prev = out[out.length - 1];
      if (prev && r.start <= prev.last + 1n) {
        if (r.last > prev.last) out[out.length - 1] = { start: prev.start, last: r.last };
      } else {
        out.push({ start: r.start, last: r.last });
      }
    }
    return new IntervalSet(out);
  }

  get isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  /** Number of addresses (bytes) in the set; up to 2^64. */
  measure(): bigint {
    let total = 0n;
    for (const r of this.ranges) total += r.last - r.start + 1n;
    return total;
  }

  union(other: IntervalSet): IntervalSet {
    if (other.isEmpty) return this;
    if (this.isEmpty) return other;
    return IntervalSet.from([...this.ranges, ...other.ranges]);
  }

  intersect(other: IntervalSet): IntervalSet {
    const out: Range[] = [];
    let i = 0;
    let j = 0;
    const a = this.ranges;
    const b = other.ranges;
    while (i < a.length && j < b.length) {
      const x = a[i]!;
      const y = b[j]!;
      const start = x.start > y.start ? x.start : y.start;
      const last = x.last < y.last ? x.last : y.last;
      if (start <= last) out.push({ start, last });
      if (x.last < y.last) i++;
      else j++;
    }
    return new IntervalSet(out);
  }

  subtract(other: IntervalSet): IntervalSet {
    if (other.isEmpty || this.isEmpty) return this;
    return this.intersect(other.complement());
  }

  complement(): IntervalSet {
    const out: Range[] = [];
    let next = 0n;
    for (const r of this.ranges) {
      if (r.start > next) out.push({ start: next, last: r.start - 1n });
      if (r.last === U64_MAX) return new IntervalSet(out);
      next = r.last + 1n;
    }
    out.push({ start: next, last: U64_MAX });
    return new IntervalSet(out);
  }

  /** True if any address of `r` is in the set. */
  overlaps(r: Range): boolean {
    return this.firstOverlap(r) !== undefined;
  }

  /** The first range of the set that shares an address with `r`. */
  firstOverlap(r: Range): Range | undefined {
    const idx = firstEndingAtOrAfter(this.ranges, r.start);
    const cand = this.ranges[idx];
    return cand && cand.start <= r.last ? cand : undefined;
  }

  /** True if every address of `r` is in the set (then it lies inside ONE range). */
  containsRange(r: Range): boolean {
    const cand = this.ranges[firstEndingAtOrAfter(this.ranges, r.start)];
    return cand !== undefined && cand.start <= r.start && r.last <= cand.last;
  }

  has(addr: bigint): boolean {
    return this.containsRange({ start: addr, last: addr });
  }

  /** Highest address in the set, or undefined when empty. */
  max(): bigint | undefined {
    return this.ranges[this.ranges.length - 1]?.last;
  }

  equals(other: IntervalSet): boolean {
    if (this.ranges.length !== other.ranges.length) return false;
    return this.ranges.every((r, k) => r.start === other.ranges[k]!.start && r.last === other.ranges[k]!.last);
  }

}


// The shared sets, the class and its methods are frozen: a policy module
// that writes to them fails (a policy-error) instead of changing every
// other policy's numbers. Sets the engine hands a module are copies
// (engine/policy-guard.ts): freezing every set slows the engine measurably.
export function deepFreeze(set: IntervalSet): IntervalSet {
  for (const r of set.ranges) Object.freeze(r);
  Object.freeze(set.ranges);
  return Object.freeze(set);
}
deepFreeze(IntervalSet.EMPTY);
deepFreeze(IntervalSet.ALL);
Object.freeze(IntervalSet.prototype);
Object.freeze(IntervalSet);

/** Index of the first of sorted, disjoint ranges whose last >= addr (binary search). */
export function firstEndingAtOrAfter(ranges: readonly Range[], addr: bigint): number {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ranges[mid]!.last < addr) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
