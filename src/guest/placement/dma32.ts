// dma32: a device limited to 32-bit DMA; the DMA API allocates with
// GFP_DMA32 (torvalds/linux:kernel/dma/direct.c dma_direct_optimal_gfp_mask:
// a mask below 64 bits that fits in 32 bits gets GFP_DMA32), so every
// buffer lies below 4 GiB; within that, uniform.
import { type PlacementProfile, below4G } from './profile.js';

export const dma32: PlacementProfile = {
  name: 'dma32',
  assumption: 'buffers uniform below 4 GiB (a 32-bit DMA mask, GFP_DMA32)',
  sources: ['torvalds/linux:kernel/dma/direct.c (dma_direct_optimal_gfp_mask)'],
  regions: (ctx) => [{ ranges: below4G(ctx), weight: 1 }],
};
