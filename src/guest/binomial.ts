// Exact Binomial(n, p) draws, so a DMA phase of 10^9 operations costs what
// one of 10^3 does: inversion for small means, rejection from a Lorentzian
// envelope otherwise (Press et al., Numerical Recipes in C, 2nd ed., §7.3, bnldev).
import type { Rng } from './rng.js';

export function binomial(rng: Rng, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  const pp = p <= 0.5 ? p : 1 - p;
  const mean = n * pp;
  const k = mean < 30 ? inversion(rng, n, pp) : rejection(rng, n, pp, mean);
  return pp === p ? k : n - k;
}

function inversion(rng: Rng, n: number, p: number): number {
  const u = rng.float();
  const ratio = p / (1 - p);
  let pk = Math.exp(n * Math.log1p(-p));
  let cdf = pk;
  let k = 0;
  while (u >= cdf && k < n) {
    pk *= ((n - k) / (k + 1)) * ratio;
    k++;
    cdf += pk;
    if (pk === 0 && cdf < u) break; // round-off tail: the remaining mass is below 2^-53
  }
  return k;
}

function rejection(rng: Rng, n: number, p: number, mean: number): number {
  const lgn = lgamma(n + 1);
  const plog = Math.log(p);
  const qlog = Math.log1p(-p);
  const sq = Math.sqrt(2 * mean * (1 - p));
  for (;;) {
    let y: number;
    let em: number;
    do {
      y = Math.tan(Math.PI * rng.float());
      em = sq * y + mean;
    } while (em < 0 || em >= n + 1);
    em = Math.floor(em);
    const t = 1.2 * sq * (1 + y * y) * Math.exp(lgn - lgamma(em + 1) - lgamma(n - em + 1) + em * plog + (n - em) * qlog);
    if (rng.float() <= t) return em;
  }
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7), relative error ~1e-15. */
export function lgamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}
