// Interval methods against published worked examples.
import { describe, expect, it } from 'vitest';
import { newcombePaired } from '../src/results/paired.js';
import { wilson } from '../src/results/stats.js';

describe('Wilson score interval', () => {
  // Newcombe RG (1998), "Two-sided confidence intervals for the single
  // proportion: comparison of seven methods", Stat. Med. 17:857-872, Table I (method 3).
  const table: Array<[number, number, number, number]> = [
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0.0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ];
  for (const [k, n, lo, hi] of table) {
    it(`${k}/${n}: ${lo}-${hi}`, () => {
      const w = wilson(k, n);
      expect(w.lo).toBeCloseTo(lo, 4);
      expect(w.hi).toBeCloseTo(hi, 4);
    });
  }
  it('is [0, x] at k = 0 and [x, 1] at k = n', () => {
    expect(wilson(0, 1000).lo).toBe(0);
    expect(wilson(1000, 1000).hi).toBe(1);
  });
});

describe("Newcombe's interval for paired proportions (method 10)", () => {
  // Altman DG et al. (2000), Statistics with Confidence, 2nd ed., Table 6.2:
  // 41 pairs, 14 both, 5 first only, 0 second only, 22 neither:
  // difference 0.122, 95% CI 0.011 to 0.226.
  it('Altman et al. (2000) Table 6.2', () => {
    const d = newcombePaired({ a: 14, b: 5, c: 0, d: 22 });
    expect(d.diff).toBeCloseTo(0.122, 3);
    expect(d.lo).toBeCloseTo(0.011, 3);
    expect(d.hi).toBeCloseTo(0.226, 3);
    expect(d.distinguishable).toBe(true);
  });
  it('identical outcomes give a difference of 0 that is not distinguishable', () => {
    const d = newcombePaired({ a: 30, b: 0, c: 0, d: 970 });
    expect(d.diff).toBe(0);
    expect(d.lo).toBeLessThan(0);
    expect(d.hi).toBeGreaterThan(0);
    expect(d.distinguishable).toBe(false);
  });
  it('is antisymmetric: swapping the policies mirrors the interval', () => {
    const x = newcombePaired({ a: 10, b: 7, c: 2, d: 81 });
    const y = newcombePaired({ a: 10, b: 2, c: 7, d: 81 });
    expect(y.diff).toBeCloseTo(-x.diff, 12);
    expect(y.lo).toBeCloseTo(-x.hi, 12);
    expect(y.hi).toBeCloseTo(-x.lo, 12);
  });
});
