// fresh-boot: a driver probing soon after boot gets its pages in zonelist
// order, highest zone first: GFP_KERNEL tries ZONE_NORMAL (above 4 GiB)
// before ZONE_DMA32/ZONE_DMA, falling back only when a zone cannot serve
// (torvalds/linux:mm/page_alloc.c get_page_from_freelist walks
// for_next_zone_zonelist_nodemask from the highest allowed zone;
// build_zonerefs_node lists zones highest first). Which pages of the zone
// boot-time allocations already took is unknown: uniform within the zone.
import { type PlacementProfile, above4G, below4G, ordinaryDmaRam } from './profile.js';

export const freshBoot: PlacementProfile = {
  name: 'fresh-boot',
  assumption: 'buffers in the highest zone that holds the working set (ZONE_NORMAL above 4 GiB first), uniform within it',
  sources: ['torvalds/linux:mm/page_alloc.c (get_page_from_freelist, build_zonerefs_node)'],
  regions: (ctx) => {
    for (const zone of [above4G(ctx), below4G(ctx)]) if (zone.measure() >= ctx.workingSetBytes) return [{ ranges: zone, weight: 1 }];
    return [{ ranges: ordinaryDmaRam(ctx), weight: 1 }];
  },
};
