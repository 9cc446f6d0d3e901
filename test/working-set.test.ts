// The sampled working set's hot loop: buffers that lose alike share one hit
// and one draw of operations per round; the totals keep the multinomial's
// distribution (mean checked against its closed form).
import { describe, expect, it } from 'vitest';
import { classifyBuffer, WorkingSet, newTally } from '../src/guest/working-set.js';
import { Rng } from '../src/guest/rng.js';
import type { Placement } from '../src/guest/placement/build.js';
import { Outcome, Visibility } from '../src/dma/outcome.js';
import type { DangerMap } from '../src/dma/danger-map.js';

// Pages 100-199 swallow writes unlogged (an MSI doorbell), 200-209 fault.
const map: DangerMap = {
  firstPage: Float64Array.of(100, 200), lastPage: Float64Array.of(199, 209),
  outcome: Uint8Array.of(Outcome.interruptMsi, Outcome.faultUnmapped), visibility: Uint8Array.of(Visibility.unlogged, Visibility.hostLogged), classes: [],
};

describe('classifyBuffer', () => {
  it('gives every buffer wholly inside one range the same hit, and a straddling buffer its own parts', () => {
    const a = classifyBuffer(map, 120, 16)!;
    expect(classifyBuffer(map, 150, 16)).toBe(a);
    expect(a.lostBytes).toBe(16 * 4096);
    expect(a.silentBytes).toBe(16 * 4096);
    const straddle = classifyBuffer(map, 195, 10)!; // 5 pages MSI, 5 pages fault
    expect(straddle).not.toBe(a);
    expect([straddle.lostBytes, straddle.silentBytes, straddle.faults]).toEqual([10 * 4096, 5 * 4096, true]);
    expect(classifyBuffer(map, 0, 16)).toBeUndefined();
    expect(classifyBuffer(map, 2 ** 40, 16)).toBeUndefined();
  });
});

describe('WorkingSet.runPhase', () => {
  it('lost operations average ops × (share of buffers over danger), with buffers grouped by hit', () => {
    // 1000 buffers of one page uniform over pages 0-999: 110 of 1000 start slots lose.
    const place = { density: [{ s: 0, e: 999, d: 1 / 1000 }] } as unknown as Placement;
    let lost = 0;
    const n = 400;
    for (let t = 0; t < n; t++) {
      const set = new WorkingSet(1000, 1, 1);
      const tally = newTally();
      set.allocate(new Rng(`t${t}`), place, map, tally);
      set.runPhase(new Rng(`ops${t}`), 10_000, 4, 0.25, place, map, tally);
      lost += tally.lostOps;
    }
    // E = 10,000 × 0.11; the per-trial sd is about sqrt(1000·0.11·0.89)/1000·10,000 ≈ 99, so the mean of 400 is within ±25 at 5 sd.
    expect(Math.abs(lost / n - 1100)).toBeLessThan(25);
  });
});
