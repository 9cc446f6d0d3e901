// steady-state: a long-running guest whose free lists are well mixed, so a
// fresh buffer is equally likely anywhere in the RAM ordinary DMA may use.
// This is an assumption, not an allocator rule: doorbell's model until the
// placement profiles, kept as the default and named as such.
import { type PlacementProfile, ordinaryDmaRam } from './profile.js';

export const steadyState: PlacementProfile = {
  name: 'steady-state',
  assumption: 'buffers uniform over usable RAM (a long-running guest, free memory well mixed)',
  sources: ['assumption; x86 ZONE_DMA excluded: arch/x86/include/asm/dma.h MAX_DMA_PFN'],
  regions: (ctx) => [{ ranges: ordinaryDmaRam(ctx), weight: 1 }],
};
