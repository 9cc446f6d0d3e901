// Interval estimates for rates.

export interface Rate {
  readonly k: number;
  readonly n: number;
  readonly p: number;
  readonly lo: number;
  readonly hi: number;
}

const Z95 = 1.959963984540054;

/**
 * Wilson score interval (Wilson 1927; Newcombe 1998, Stat. Med. 17:857,
 * method 3). Well behaved at k = 0 and k = n, unlike the Wald interval.
 */
export function wilson(k: number, n: number, z = Z95): Rate {
  if (n === 0) return { k, n, p: NaN, lo: NaN, hi: NaN };
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { k, n, p, lo: k === 0 ? 0 : Math.max(0, centre - half), hi: k === n ? 1 : Math.min(1, centre + half) };
}
