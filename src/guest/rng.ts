// Deterministic randomness: xoshiro128** seeded from a string key, so every
// stream is named (run seed, scenario, trial, purpose) and independent of
// policy order, job count or machine. 32-bit integer ops only (Math.imul),
// identical on every JavaScript engine.

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(key: string) {
    const [a, b, c, d] = hash128(key);
    this.a = a; this.b = b; this.c = c; this.d = d;
    if ((a | b | c | d) === 0) this.a = 1; // the all-zero state is a fixed point
  }

  /** A fresh, independent stream for a named purpose. */
  fork(label: string): Rng {
    return new Rng(`${this.a},${this.b},${this.c},${this.d}/${label}`);
  }

  nextU32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a; this.d ^= this.b; this.b ^= this.c; this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  float(): number {
    return ((this.nextU32() >>> 5) * 67108864 + (this.nextU32() >>> 6)) / 9007199254740992;
  }

  /** Uniform integer in [0, n), exact for any n up to 2^53 (rejection, no modulo bias). */
  below(n: number): number {
    if (!(n >= 1) || n > 9007199254740992 || !Number.isInteger(n)) throw new RangeError(`below(${n})`);
    if (n <= 4294967296) {
      const limit = 4294967296 - (4294967296 % n);
      for (;;) {
        const x = this.nextU32();
        if (x < limit) return x % n;
      }
    }
    const limit = 9007199254740992 - (9007199254740992 % n);
    for (;;) {
      const x = (this.nextU32() >>> 11) * 4294967296 + this.nextU32();
      if (x < limit) return x % n;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** MurmurHash3-style 128-bit mix of a string (cyrb128). */
function hash128(str: string): [number, number, number, number] {
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762;
  for (let i = 0; i < str.length; i++) {
    const k = str.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4; h2 ^= h1; h3 ^= h1; h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}
