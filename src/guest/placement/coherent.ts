// coherent: multi-page dma_alloc_coherent buffers come from the default CMA
// area (torvalds/linux:kernel/dma/direct.c __dma_direct_alloc_pages tries
// dma_alloc_contiguous first). arm64 reserves that area at boot below the
// DMA limit, dma_contiguous_reserve(arm64_dma_phys_limit)
// (arch/arm64/mm/init.c arm64_memblock_init / bootmem_init), with memblock
// allocating top-down (mm/memblock.c memblock_find_in_range_node): the
// highest free block of the size, at CMA_MIN_ALIGNMENT_BYTES (one pageblock,
// 2 MiB). The size is the arm64 defconfig's CONFIG_CMA_SIZE_MBYTES=32
// (arch/arm64/configs/defconfig). On x86, kernel/dma/Kconfig sets
// CMA_SIZE_MBYTES to 0 (commit d7be003a9d27): no area, the zone allocator
// serves coherent buffers as any other.
import { IntervalSet } from '../../model/intervals.js';
import { type PlacementContext, type PlacementProfile, below4G, ordinaryDmaRam } from './profile.js';

export const CMA_BYTES = 32n << 20n;
const CMA_ALIGN = 2n << 20n;

/**
 * The CMA area: the highest CMA_BYTES of RAM below the 32-bit DMA limit,
 * top-down, reserved at boot from the RAM usable then (ctx.boot: a hint
 * after boot does not move it); undefined if none fits.
 */
export function cmaArea(ctx: PlacementContext): IntervalSet | undefined {
  const low = below4G({ ...ctx, usable: ctx.boot }).ranges;
  for (let i = low.length - 1; i >= 0; i--) {
    const r = low[i]!;
    const start = ((r.last + 1n - CMA_BYTES) / CMA_ALIGN) * CMA_ALIGN;
    if (start >= r.start && r.last + 1n >= CMA_BYTES) return IntervalSet.of({ start, last: start + CMA_BYTES - 1n });
  }
  return undefined;
}

export const coherent: PlacementProfile = {
  name: 'coherent',
  assumption: 'arm64: buffers uniform in a 32 MiB CMA area reserved top-down below 4 GiB; x86: no CMA, as steady-state',
  sources: ['torvalds/linux:kernel/dma/contiguous.c (dma_contiguous_reserve)', 'torvalds/linux:arch/arm64/mm/init.c (arm64_dma_phys_limit)', 'torvalds/linux:kernel/dma/Kconfig (CMA_SIZE_MBYTES)'],
  regions: (ctx) => {
    // RAM taken away or avoided after boot leaves the area where it is, smaller.
    const area = ctx.arch === 'arm64' ? cmaArea(ctx)?.intersect(ctx.usable) : undefined;
    return [{ ranges: area && !area.isEmpty ? area : ordinaryDmaRam(ctx), weight: 1 }];
  },
};
