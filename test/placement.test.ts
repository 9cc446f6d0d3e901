// Where a Linux guest puts DMA buffers: alignment and the placement profiles,
// checked on small guests against the densities both engines draw from.
import { describe, expect, it } from 'vitest';
import { alignmentPages } from '../src/guest/alignment.js';
import type { Density } from '../src/guest/density.js';
import { type PlacementRequest, placementFor } from '../src/guest/placement/build.js';
import { PLACEMENT_NAMES } from '../src/guest/placement/registry.js';
import { IntervalSet } from '../src/model/intervals.js';
import { exactLoss } from '../src/engine/exact.js';
import { resolvePolicy } from '../src/engine/policies.js';
import { applyPoint } from '../src/scenario/params.js';
import { resolveScenario } from '../src/scenario/builtin.js';

const MiB = 1n << 20n;
const GiB = 1n << 30n;
const ram = (...r: Array<[bigint, bigint]>) => IntervalSet.from(r.map(([start, end]) => ({ start, last: end - 1n })));
const req = (over: Partial<PlacementRequest>): PlacementRequest => ({ arch: 'arm64', buffers: 256, pages: 16, profile: 'steady-state', alignment: 'natural', lowBias: 0, ...over });

/** Probability a fresh buffer starts in [from, to) (bytes). */
function massIn(d: Density, align: number, from: bigint, to: bigint): number {
  const a = Number(from >> 12n) / align;
  const z = Number(to >> 12n) / align;
  let m = 0;
  for (const g of d) m += Math.max(0, Math.min(g.e + 1, Math.ceil(z)) - Math.max(g.s, Math.ceil(a))) * g.d;
  return m;
}
/** Lowest and highest start address a buffer may have. */
const startsSpan = (d: Density, align: number) => [BigInt(d[0]!.s * align) << 12n, BigInt(d[d.length - 1]!.e * align) << 12n];

describe('natural alignment (buddy allocator, dma-api-howto.rst, CMA get_order)', () => {
  it('aligns a 2^n-page buffer to 2^n pages, rounds other sizes up to the order, caps beyond the buddy at CMA_ALIGNMENT', () => {
    expect(alignmentPages(16, 'natural')).toBe(16); // 64 KiB
    expect(alignmentPages(3, 'natural')).toBe(4); // get_order(12 KiB) = 2
    expect(alignmentPages(512, 'natural')).toBe(512); // 2 MiB, order 9
    expect(alignmentPages(2048, 'natural')).toBe(256); // 8 MiB: CMA, min(11, CONFIG_CMA_ALIGNMENT = 8)
    expect(alignmentPages(16, 'page')).toBe(1); // page_frag / slab
  });

  it('puts 64 KiB buffers only on 64 KiB boundaries: 16 starts in 1 MiB, against 241 at page granularity', () => {
    const usable = ram([GiB, GiB + MiB]);
    const natural = placementFor(usable, req({}));
    const page = placementFor(usable, req({ alignment: 'page' }));
    expect(natural.align).toBe(16);
    expect(natural.density).toEqual([{ s: (Number(GiB >> 12n)) / 16, e: Number(GiB >> 12n) / 16 + 15, d: 1 / 16 }]);
    expect(page.density[0]!.e - page.density[0]!.s + 1).toBe(256 - 16 + 1);
  });

  it('roughly halves the D05 loss against its 64 KiB doorbell frame (16 of 31 dangerous starts)', () => {
    const baseline = resolvePolicy('no-checks-2016').instance;
    const d05 = resolveScenario('d05-hw-msi-hotplug');
    const natural = exactLoss(d05, baseline)!.data;
    const page = exactLoss(applyPoint(d05, { 'workload.alignment': 'page' }), baseline)!.data;
    expect(natural / page).toBeGreaterThan(0.4);
    expect(natural / page).toBeLessThan(0.7);
  });
});

describe('placement profiles on small guests', () => {
  // A 4 GiB arm64 virt guest: RAM [1 GiB, 5 GiB).
  const virt4 = ram([GiB, 5n * GiB]);
  // A 6 GiB q35 guest: [0, 2 GiB) and [4 GiB, 8 GiB).
  const q35 = ram([0n, 2n * GiB], [4n * GiB, 8n * GiB]);

  it('every profile is registered and gives a density of mass 1', () => {
    expect(PLACEMENT_NAMES).toEqual(['steady-state', 'fresh-boot', 'coherent', 'dma32']);
    for (const profile of PLACEMENT_NAMES) {
      const d = placementFor(virt4, req({ profile })).density;
      expect(d.reduce((m, g) => m + (g.e - g.s + 1) * g.d, 0), profile).toBeCloseTo(1, 12);
    }
  });

  it('steady-state: uniform over usable RAM, 3/4 of a 4 GiB virt guest below 4 GiB (the assumption)', () => {
    const p = placementFor(virt4, req({}));
    expect(massIn(p.density, p.align, 0n, 4n * GiB)).toBeCloseTo(0.75, 3);
  });

  it('x86: no profile places an ordinary DMA buffer in [0, 16 MiB) (ZONE_DMA, arch/x86/include/asm/dma.h MAX_DMA_PFN)', () => {
    for (const profile of PLACEMENT_NAMES) {
      const p = placementFor(q35, req({ arch: 'x86', profile }));
      expect(startsSpan(p.density, p.align)[0], profile).toBeGreaterThanOrEqual(16n * MiB);
      expect(massIn(p.density, p.align, 0n, 16n * MiB), profile).toBe(0);
    }
    expect(startsSpan(placementFor(q35, req({})).density, 16)[0]).toBe(0n);
    expect(startsSpan(placementFor(q35, req({ arch: "x86" })).density, 16)[0]).toBe(16n * MiB);
  });

  it('fresh-boot: ZONE_NORMAL above 4 GiB first (mm/page_alloc.c zonelist order), below 4 GiB when it cannot hold the working set', () => {
    const p = placementFor(virt4, req({ profile: 'fresh-boot' }));
    expect(massIn(p.density, p.align, 4n * GiB, 5n * GiB)).toBeCloseTo(1, 12);
    const big = placementFor(virt4, req({ profile: 'fresh-boot', buffers: 16384 + 1 })); // 1 GiB + 64 KiB
    expect(massIn(big.density, big.align, 0n, 4n * GiB)).toBeCloseTo(1, 12);
    const small = placementFor(ram([GiB, 3n * GiB]), req({ profile: 'fresh-boot' }));
    expect(startsSpan(small.density, small.align)).toEqual([GiB, 3n * GiB - 64n * 1024n]);
  });

  it('coherent: arm64 CMA, 32 MiB top-down below 4 GiB (dma_contiguous_reserve(arm64_dma_phys_limit)), over 0xfee00000 on a 4 GiB guest', () => {
    const p = placementFor(virt4, req({ profile: 'coherent' }));
    expect(startsSpan(p.density, p.align)).toEqual([0xfe000000n, 0x100000000n - 64n * 1024n]);
    const small = placementFor(ram([GiB, 3n * GiB]), req({ profile: 'coherent' }));
    expect(startsSpan(small.density, small.align)).toEqual([3n * GiB - 32n * MiB, 3n * GiB - 64n * 1024n]);
    // x86: CMA_SIZE_MBYTES defaults to 0 (kernel/dma/Kconfig): the zone allocator, as steady-state.
    expect(placementFor(q35, req({ arch: 'x86', profile: 'coherent' })).density).toEqual(placementFor(q35, req({ arch: 'x86' })).density);
  });

  it('dma32: only below 4 GiB (kernel/dma/direct.c dma_direct_optimal_gfp_mask: GFP_DMA32)', () => {
    const p = placementFor(q35, req({ arch: 'x86', profile: 'dma32' }));
    expect(startsSpan(p.density, p.align)).toEqual([16n * MiB, 2n * GiB - 64n * 1024n]);
  });

  it('moves the aarch64-on-AMD loss: CMA over the MSI window loses almost surely, ZONE_NORMAL never', () => {
    const baseline = resolvePolicy('no-checks-2016').instance;
    const s = resolveScenario('aarch64-guest-on-amd-host');
    expect(exactLoss(applyPoint(s, { 'workload.placement': 'coherent' }), baseline)!.data).toBeGreaterThan(0.999);
    expect(exactLoss(applyPoint(s, { 'workload.placement': 'fresh-boot' }), baseline)!.data).toBe(0);
    expect(exactLoss(applyPoint(s, { 'workload.placement': 'dma32' }), baseline)!.data).toBeGreaterThan(exactLoss(s, baseline)!.data);
  });
});
