import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { U64_MAX, hex, parseQuantity } from '../src/model/addr.js';
import { IntervalSet } from '../src/model/intervals.js';

const addr = fc.oneof(fc.bigInt({ min: 0n, max: U64_MAX }), fc.constantFrom(0n, 1n, U64_MAX, U64_MAX - 1n, 0xffff_ffff_ffff_f000n), fc.bigInt({ min: 0n, max: 64n }));
const rangeArb = fc.tuple(addr, addr).map(([a, b]) => (a <= b ? { start: a, last: b } : { start: b, last: a }));
const setArb = fc.array(rangeArb, { maxLength: 6 }).map((rs) => IntervalSet.from(rs));
/** Membership at a handful of probe points, including the extremes. */
const probes = (sets: IntervalSet[]) => {
  const pts = new Set<bigint>([0n, 1n, U64_MAX, U64_MAX - 1n]);
  for (const s of sets) for (const r of s.ranges) for (const p of [r.start - 1n, r.start, r.last, r.last + 1n]) if (p >= 0n && p <= U64_MAX) pts.add(p);
  return [...pts];
};

describe('IntervalSet algebra', () => {
  it('is normalised: sorted, disjoint, not touching', () => {
    fc.assert(fc.property(setArb, (s) => {
      for (let i = 1; i < s.ranges.length; i++) expect(s.ranges[i]!.start > s.ranges[i - 1]!.last + 1n).toBe(true);
    }));
  });

  it('union, intersect and subtract agree with pointwise membership', () => {
    fc.assert(fc.property(setArb, setArb, (a, b) => {
      for (const p of probes([a, b])) {
        expect(a.union(b).has(p)).toBe(a.has(p) || b.has(p));
        expect(a.intersect(b).has(p)).toBe(a.has(p) && b.has(p));
        expect(a.subtract(b).has(p)).toBe(a.has(p) && !b.has(p));
      }
    }));
  });

  it('measures are additive: |A ∪ B| = |A| + |B| - |A ∩ B|, complement fills 2^64', () => {
    fc.assert(fc.property(setArb, setArb, (a, b) => {
      expect(a.union(b).measure()).toBe(a.measure() + b.measure() - a.intersect(b).measure());
      expect(a.measure() + a.complement().measure()).toBe(1n << 64n);
      expect(a.complement().complement().equals(a)).toBe(true);
    }));
  });

  it('overlap and containsRange match the algebra', () => {
    fc.assert(fc.property(setArb, rangeArb, (s, r) => {
      const one = IntervalSet.of(r);
      expect(s.overlaps(r)).toBe(!s.intersect(one).isEmpty);
      expect(s.containsRange(r)).toBe(one.subtract(s).isEmpty);
    }));
  });

  it('handles the top of the 64-bit space exactly', () => {
    const top = IntervalSet.of({ start: 0xffff_ffff_ffff_f000n, last: U64_MAX });
    expect(top.measure()).toBe(4096n);
    expect(top.complement().max()).toBe(0xffff_ffff_ffff_efffn);
    expect(IntervalSet.ALL.subtract(top).union(top).equals(IntervalSet.ALL)).toBe(true);
    expect(hex(top.ranges[0]!.start)).toBe('0xfffffffffffff000');
  });
});

describe('parseQuantity', () => {
  it('reads addresses and sizes as people write them, exactly', () => {
    expect(parseQuantity('0x8000000')).toBe(0x8000000n);
    expect(parseQuantity('0xfd_0000_0000')).toBe(0xfd00000000n);
    expect(parseQuantity('0xffff_ffff_ffff_f000')).toBe(0xfffffffffffff000n);
    expect(parseQuantity('3054MiB')).toBe(3054n << 20n);
    expect(parseQuantity('4GiB')).toBe(4n << 30n);
    expect(parseQuantity('1T')).toBe(1n << 40n);
    expect(parseQuantity('65536')).toBe(65536n);
  });
  it('rejects malformed input', () => {
    for (const bad of ['0x', '0xg', '4 GiBs', '-1', '0x_1', '1__0', '']) expect(parseQuantity(bad)).toBeUndefined();
  });
});
