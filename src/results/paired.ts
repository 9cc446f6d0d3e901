// Differences between two policies on the same trials. Trials are paired
// (common random numbers), so a difference of proportions gets an interval
// for paired binary outcomes: Newcombe (1998), "Improved confidence intervals
// for the difference between binomial proportions based on paired data",
// Stat. Med. 17:2635-2650, method 10 (Wilson intervals combined with a
// continuity-corrected phi), as worked in Altman et al. (2000), Statistics
// with Confidence, 2nd ed., section 6.
import { wilson } from './stats.js';

/** The paired 2×2 table: a both, b first only, c second only, d neither. */
export interface PairedTable {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
}

export interface PairedDiff extends PairedTable {
  readonly n: number;
  /** p1 - p2 = (b - c) / n */
  readonly diff: number;
  readonly lo: number;
  readonly hi: number;
  /** False when the interval contains 0. */
  readonly distinguishable: boolean;
}

export function newcombePaired(t: PairedTable, z = 1.959963984540054): PairedDiff {
  const { a, b, c, d } = t;
  const n = a + b + c + d;
  if (n === 0) return { ...t, n, diff: NaN, lo: NaN, hi: NaN, distinguishable: false };
  const p1 = (a + b) / n;
  const p2 = (a + c) / n;
  const diff = p1 - p2;
  const w1 = wilson(a + b, n, z);
  const w2 = wilson(a + c, n, z);
  let phi = 0;
  const margins = (a + b) * (c + d) * (a + c) * (b + d);
  if (margins > 0) {
    const cross = a * d - b * c;
    const corrected = cross > n / 2 ? cross - n / 2 : cross < 0 ? cross : 0;
    phi = corrected / Math.sqrt(margins);
  }
  const dl = Math.sqrt(Math.max(0, (p1 - w1.lo) ** 2 - 2 * phi * (p1 - w1.lo) * (w2.hi - p2) + (w2.hi - p2) ** 2));
  const du = Math.sqrt(Math.max(0, (p2 - w2.lo) ** 2 - 2 * phi * (p2 - w2.lo) * (w1.hi - p1) + (w1.hi - p1) ** 2));
  const lo = Math.max(-1, diff - dl);
  const hi = Math.min(1, diff + du);
  return { ...t, n, diff, lo, hi, distinguishable: lo > 0 || hi < 0 };
}

/** Tally paired binary outcomes (undefined: the trial does not count for this metric). */
export function tally(first: readonly (boolean | undefined)[], second: readonly (boolean | undefined)[]): PairedTable {
  let a = 0, b = 0, c = 0, d = 0;
  for (let i = 0; i < Math.min(first.length, second.length); i++) {
    const x = first[i];
    const y = second[i];
    if (x === undefined || y === undefined) continue;
    if (x && y) a++;
    else if (x) b++;
    else if (y) c++;
    else d++;
  }
  return { a, b, c, d };
}
