// A placement profile: where a guest's page allocator puts a driver's DMA
// buffers, as a mixture of uniform placements over sets of guest RAM. Each
// profile is one file naming its sources and the assumption it makes.
import { IntervalSet } from '../../model/intervals.js';

export type GuestArch = 'arm64' | 'x86';

export interface PlacementContext {
  /** Guest RAM the guest believes usable for DMA now. */
  readonly usable: IntervalSet;
  /**
   * What was usable when the guest last booted (boot firmware tables only):
   * boot-time reservations such as the CMA area are made from it, and a
   * hint after boot does not move them.
   */
  readonly boot: IntervalSet;
  readonly arch: GuestArch;
  /** The whole working set: buffers × buffer size. */
  readonly workingSetBytes: bigint;
}

export interface Region {
  readonly ranges: IntervalSet;
  readonly weight: number;
}

export interface PlacementProfile {
  readonly name: string;
  /** What the profile takes for granted, as the report states it. */
  readonly assumption: string;
  readonly sources: readonly string[];
  regions(ctx: PlacementContext): Region[];
}

const MiB = 1n << 20n;
const GiB = 1n << 30n;
const span = (start: bigint, end: bigint) => IntervalSet.of({ start, last: end - 1n });

/**
 * x86 ZONE_DMA, [0, 16 MiB), serves only GFP_DMA (ISA) requests; the first
 * 1 MiB is reserved outright (arch/x86/include/asm/dma.h MAX_DMA_PFN;
 * arch/x86/kernel/setup.c reserve_real_mode / "reserve low 1MB"). No
 * ordinary DMA buffer comes from it. arm64 has no such zone below RAM.
 */
export function ordinaryDmaRam(ctx: PlacementContext): IntervalSet {
  return ctx.arch === 'x86' ? ctx.usable.subtract(span(0n, 16n * MiB)) : ctx.usable;
}

/**
 * Below 4 GiB: ZONE_DMA32 on x86 (arch/x86/mm/init.c zone_sizes_init,
 * MAX_DMA32_PFN); on arm64 ZONE_DMA up to zone_dma_limit, 32 bits when the
 * firmware tables set no narrower limit (arch/arm64/mm/init.c
 * zone_sizes_init, max_zone_phys), as a virt guest's do.
 */
export function below4G(ctx: PlacementContext): IntervalSet {
  return ordinaryDmaRam(ctx).intersect(span(0n, 4n * GiB));
}

/** ZONE_NORMAL: RAM from 4 GiB up, on x86 and on arm64 (max_zone_phys(32)). */
export function above4G(ctx: PlacementContext): IntervalSet {
  return ordinaryDmaRam(ctx).subtract(span(0n, 4n * GiB));
}
