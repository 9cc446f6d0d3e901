import { describe, expect, it } from 'vitest';
import { binomial, lgamma } from '../src/guest/binomial.js';
import { Rng } from '../src/guest/rng.js';

describe('Rng', () => {
  it('is a pure function of its key', () => {
    const a = new Rng('k');
    const b = new Rng('k');
    for (let i = 0; i < 100; i++) expect(a.nextU32()).toBe(b.nextU32());
    expect(new Rng('k').nextU32()).not.toBe(new Rng('k2').nextU32());
  });
  it('below(n) is uniform enough and stays in range, up to 2^53', () => {
    const r = new Rng('u');
    const counts = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 60_000; i++) counts[r.below(6)]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    for (let i = 0; i < 1000; i++) {
      const x = r.below(2 ** 52 + 3);
      expect(x >= 0 && x < 2 ** 52 + 3 && Number.isInteger(x)).toBe(true);
    }
  });
});

describe('binomial', () => {
  it('lgamma matches factorials', () => {
    expect(lgamma(1)).toBeCloseTo(0, 12);
    expect(lgamma(11)).toBeCloseTo(Math.log(3628800), 10);
  });
  const moments = (n: number, p: number, draws: number) => {
    const r = new Rng(`b/${n}/${p}`);
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < draws; i++) {
      const k = binomial(r, n, p);
      expect(k >= 0 && k <= n && Number.isInteger(k)).toBe(true);
      s += k;
      s2 += k * k;
    }
    const mean = s / draws;
    return { mean, variance: s2 / draws - mean * mean };
  };
  for (const [n, p] of [[10, 0.3], [1000, 0.001], [1000, 0.5], [1e9, 1e-3], [1e9, 0.9], [50, 0.97]] as const) {
    it(`Bin(${n}, ${p}): mean and variance within 4 standard errors`, () => {
      const draws = 20_000;
      const { mean, variance } = moments(n, p, draws);
      const mu = n * p;
      const v = n * p * (1 - p);
      expect(Math.abs(mean - mu)).toBeLessThan(4 * Math.sqrt(v / draws));
      expect(Math.abs(variance - v) / v).toBeLessThan(0.1);
    });
  }
});
