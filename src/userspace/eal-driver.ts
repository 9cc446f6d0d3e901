// DPDK's EAL, which SPDK drives too (dpdk/dpdk:lib/eal/linux/eal_vfio.c):
// vfio_type1_dma_mem_map logs EEXIST at DEBUG ("Memory segment is already
// mapped, skipping") and returns success; any other errno fails the call, so
// device setup fails (rte_vfio_setup_device). Memory the heap grows later is
// mapped from vfio_mem_event_callback, a void function that drops the
// result: a refused map leaves memory the allocator hands out for DMA
// unmapped (SPDK issue #1705: an EEXIST ignored this way became silent I/O
// errors). With IOVA-as-VA the IOVAs are process virtual addresses, so the
// scenario lists the driver's memory as explicit ranges.
import type { Userspace, UserspaceId } from './types.js';

function ealDriver(id: UserspaceId, title: string): Userspace {
  return {
    id,
    title,
    kind: 'driver',
    iova: 'process-va',
    readsValidRanges: '',
    onRefusal(phase, errno) {
      if (errno === 'EEXIST') return 'treat-as-mapped';
      if (phase === 'memory-hotplug') return 'treat-as-mapped';
      return phase === 'start' ? 'no-start' : 'fail-clean';
    },
    remapsAfterLastUnplug: true,
    memoryHotplug: true,
    migratesWithVfio: false,
  };
}

export const dpdk = ealDriver('dpdk', 'DPDK EAL, IOVA-as-VA (lib/eal/linux/eal_vfio.c)');
export const spdk = ealDriver('spdk', 'SPDK over the DPDK EAL (spdk/spdk issue #1705)');
