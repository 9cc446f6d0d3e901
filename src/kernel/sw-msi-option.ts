// Where a device's SW_MSI window sits, when someone moves it from the
// driver's constant (arm-smmu-v3.h MSI_IOVA_BASE 0x8000000, 1 MiB).
// Two proposals of 2025, neither merged:
// - the VMM picks it per device (iommufd IOMMU_OPTION_SW_MSI_START/SIZE,
//   Nicolin Chen v2, <6c36de14b00a3f06df3a602f18baf6b51fde429f.1760487869.git.nicolinc@nvidia.com>);
// - the kernel picks it per host (Shyam Saini, "arm-smmu: select suitable
//   MSI IOVA" v4, <20250909154600.910110-4-shyamsaini@linux.microsoft.com>).
import type { Range } from '../model/addr.js';
import { type Host, type IommuGroup, type ReservedRegion, groupResvRegions, regionsPerDevice } from '../model/host.js';
import { IntervalSet } from '../model/intervals.js';
import { type KernelResult, OK, refused } from './types.js';

const MiB = 1n << 20n;
/** PHYS_ADDR_MAX on a 64-bit kernel: check_add_overflow(start, size - 1) wraps past it. */
const PHYS_ADDR_MAX = (1n << 64n) - 1n;

/**
 * IOMMU_OPTION_SW_MSI_START/SIZE on one device, as patch 4/7 of the v2
 * series checks it (drivers/iommu/iommufd/ioas.c iommufd_option_sw_msi and
 * iommufd_option_sw_msi_test), in its order: attached → EBUSY; start or
 * size not 1 MiB aligned → EINVAL; start + size - 1 wraps → EOVERFLOW; the
 * window touches any of the device's regions other than its SW_MSI and
 * DIRECT_RELAXABLE ones → EADDRINUSE.
 */
export function setSwMsiOption(deviceRegions: readonly ReservedRegion[], start: bigint, size: bigint, attached: boolean): KernelResult {
  if (attached) return refused('EBUSY', 'the device is already attached: the SW_MSI window must be set before attach (iommufd_option_sw_msi)');
  if (start % MiB !== 0n || size % MiB !== 0n) return refused('EINVAL', 'the SW_MSI window must be 1 MiB aligned (iommufd_option_sw_msi_test)');
  const length = size < MiB ? MiB : size;
  const last = start + length - 1n;
  if (last > PHYS_ADDR_MAX) return refused('EOVERFLOW', 'start + size - 1 wraps (check_add_overflow in iommufd_option_sw_msi_test)');
  for (const r of deviceRegions) {
    if (r.type === 'sw-msi' || r.type === 'direct-relaxable') continue;
    if (r.start <= last && r.last >= start) return refused('EADDRINUSE', 'the SW_MSI window overlaps a reserved region of the device (iommufd_option_sw_msi_test)', r);
  }
  return OK;
}

/**
 * A group whose devices' SW_MSI regions are replaced by `window`: what
 * iopt_table_enforce_dev_resv_regions reserves once the option is set (a
 * device without a SW_MSI region is unchanged: only IOMMU_RESV_SW_MSI is
 * substituted).
 */
export function groupWithWindow(group: IommuGroup, window: Range): IommuGroup {
  const lists = regionsPerDevice(group).map((list) => list.map((r): ReservedRegion => (r.type === 'sw-msi' ? { start: window.start, last: window.last, type: 'sw-msi' } : r)));
  return { ...group, regions: groupResvRegions(lists), ...(group.deviceRegions ? { deviceRegions: lists } : {}) };
}

/** The host with every listed group's SW_MSI window moved to `window` (the option accepted for each of its devices). */
export function hostWithWindow(host: Host, window: Range, groups: readonly number[]): Host {
  return { ...host, groups: host.groups.map((g) => (groups.includes(g.id) ? groupWithWindow(g, window) : g)) };
}

/** Every device of the group accepts the option, or the first refusal. */
export function optionForGroup(group: IommuGroup, window: Range): KernelResult {
  for (const list of regionsPerDevice(group)) {
    const r = setSwMsiOption(list, window.start, window.last - window.start + 1n, false);
    if (r.status !== 'ok') return r;
  }
  return OK;
}

/** MSI_IOVA_BASE and MSI_IOVA_BASE2 of the v4 series (include/linux/iommu.h), 1 MiB each. */
export const MSI_IOVA_BASES: readonly bigint[] = [0x8000000n, 0xa0000000n];

/**
 * The v4 series' iommu_set_sw_msi: the first of MSI_IOVA_BASE,
 * MSI_IOVA_BASE2 that does not intersect the device's other reserved
 * regions (resv_region_intersects); with neither free it adds no SW_MSI
 * region ("Failed to reserve MSI IOVA"). Deterministic per host: two hosts
 * whose platforms differ give the same guest different windows.
 */
export function kernelMovedList(list: readonly ReservedRegion[]): ReservedRegion[] {
  const others = list.filter((r) => r.type !== 'sw-msi');
  if (!list.some((r) => r.type === 'sw-msi')) return [...list];
  const taken = IntervalSet.from(others);
  const base = MSI_IOVA_BASES.find((b) => !taken.overlaps({ start: b, last: b + MiB - 1n }));
  return base === undefined ? others : [...others, { start: base, last: base + MiB - 1n, type: 'sw-msi' }];
}

export function kernelMovedHost(host: Host): Host {
  if (host.iommu !== 'arm-smmu-v3' && host.iommu !== 'arm-smmu') return host;
  return {
    ...host,
    groups: host.groups.map((g) => {
      const lists = regionsPerDevice(g).map(kernelMovedList);
      return { ...g, regions: groupResvRegions(lists), ...(g.deviceRegions ? { deviceRegions: lists } : {}) };
    }),
  };
}
