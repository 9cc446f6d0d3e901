// A trial's declared randomness. Every discrete draw has a name: exact mode
// (exact.ts) enumerates the named choice, sampling draws it from a named RNG
// stream, so trial k draws alike under every policy (common random numbers).
import type { Rng } from '../guest/rng.js';
import { drawWeighted } from './host-view.js';
import type { TrialInput } from './trial-input.js';

export class Draws {
  constructor(private readonly rng: Rng, private readonly choose: TrialInput['choose']) {}

  /** Exact mode: densities instead of samples (guest.ts). */
  get exact(): boolean { return this.choose !== undefined; }

  /** An index into `weights`: choice `label`, sampled from `stream` (by default the stream named `label`). */
  pick(label: string, weights: readonly number[], stream?: Rng): number {
    return this.choose ? this.choose(label, weights) : drawWeighted(stream ?? this.rng.fork(label), weights);
  }

  /** An event that happens with probability p (branch 0 is "happens"). */
  happens(label: string, p: number, stream: Rng): boolean {
    return this.choose ? this.choose(label, [p, 1 - p]) === 0 : stream.float() < p;
  }

  /** A refusal with probability p (branch 1 is "fails"), sampled from the stream named `label`. */
  fails(label: string, p: number): boolean {
    return this.choose ? this.choose(label, [1 - p, p]) === 1 : this.rng.fork(label).float() < p;
  }
}
