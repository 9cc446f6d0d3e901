// What a Linux kernel of a given version reports and does, for the rules the
// model uses: one fact per line, each with its source. A host file describes
// the hardware and the regions its own kernel reports; a policy's kernel era
// may be older or newer than that kernel, and then the engine runs the era
// at the nearest version the era spans (effectiveKernel) on the host as that
// version shows it (hostAtKernel), and labels the row counterfactual.
import type { KernelEra } from '../kernel/types.js';
import { type Host, type IommuGroup, type ReservedRegion, kernelAtLeast } from './host.js';

/** The first release in which each fact holds. */
export const SINCE = {
  // arm-smmu SW_MSI region (f3ebee80b313) and the VFIO MSI cookie ("vfio/type1: Allow transparent MSI IOVA allocation"), Eric Auger's series.
  swMsi: '4.11',
  // /sys/kernel/iommu_groups/N/reserved_regions ("iommu: Implement reserved_regions iommu-group sysfs file"), the same series.
  sysfsRegions: '4.11',
  // dma-iommu exports arm64 PCI host-bridge windows as RESERVED (273df9635385 "iommu/dma: Make PCI window reservation generic").
  bridgeWindowsExported: '4.12',
  // ...and stops (cd2c9fcf5c66 "iommu/dma: Move PCI window region reservation back into dma specific path", v5 of the valid-IOVA series).
  bridgeWindowsHidden: '4.18',
  // HiSilicon hip06/hip07 ITS frame as a HW MSI region: IORT erratum 161010801 (drivers/acpi/arm64/iort.c, iort_iommu_msi_get_resv_regions).
  hisiHwMsi: '4.15',
  // Intel reports the ISA bridge's [0, 16 MiB) as DIRECT ("iommu/vt-d: Expose ISA direct mapping region via iommu_get_resv_regions").
  isaDirect: '5.3',
  // ...as DIRECT_RELAXABLE (d8018a0e9195 "iommu/vt-d: Set ISA bridge reserved region as relaxable"; 5.5, and 5.4.7 stable).
  isaRelaxable: '5.4.7',
  // VFIO type1 enforces the valid IOVA list (vfio_iommu_type1.c, "vfio/type1: check dma map request is within a valid iova range").
  type1Enforces: '5.4',
  // iommufd, and its VFIO container compatibility (/dev/vfio/vfio served by iommufd, "iommufd: vfio container FD ioctl compatibility").
  iommufd: '6.2',
  // A device with a non-relaxable DIRECT region cannot be claimed (a48ce36e2786); kernel/common.ts claimCheck applies it.
  directClaimRule: '6.6',
  // VFIO migration uAPI v1 (a8a24f3f6e38 "vfio: UAPI for migration interface for device state").
  vfioMigrationV1: '5.8',
  // v2 ("vfio: Define device migration protocol v2"), the one QEMU >= 8.0 speaks.
  vfioMigrationV2: '5.18',
  // AMD HT range not reported where the IOMMU has HTRangeIgnore (94a9921e2c25; drivers/iommu/amd/iommu.c amd_iommu_get_resv_regions, amd_iommu_ht_range_ignore): host `ht_range_ignore`.
  amdHtRangeIgnore: '6.16',
  // arm-smmu-v3 nesting through iommufd (69d9b312f38a "iommu/arm-smmu-v3: Support IOMMU_VIOMMU_ALLOC", applied to iommufd for-next for the 6.13 window).
  armSmmuv3Nesting: '6.13',
  // iommufd maps the MSI doorbell itself, so a nested domain gets one (40f5175d0eb7 "iommufd: Implement sw_msi support natively").
  iommufdSwMsi: '6.15',
} as const;

/** QEMU releases that change what a VM with an assigned device can do. */
export const QEMU_SINCE = {
  // VFIO migration exists, experimental and off by default (hw/vfio/pci.c x-enable-migration=false).
  vfioMigrationExperimental: '5.2',
  // enable-migration=auto: migrates by default when the kernel has uAPI v2 (hw/vfio/migration.c, vfio_migration_realize).
  vfioMigrationDefault: '8.1',
  // -device arm-smmuv3,accel=on: the host SMMUv3 nested under the guest's (11.0 cycle, 6cc3a621c6f1 "hw/arm/smmuv3: Add accel property for SMMUv3 device").
  smmuv3Accel: '11.0',
} as const;

export interface EraSpan {
  readonly first: string;
  /** Last release of the era; none for an era that still holds. */
  readonly last?: string;
  readonly text: string;
  /** Why running the era on a newer (older) kernel is a what-if. */
  readonly newer?: string;
  readonly older?: string;
}

/** The releases each kernel era covers (kernel/types.ts KernelEra). */
export const ERA_SPANS: Readonly<Record<KernelEra, EraSpan>> = {
  'v4.9': { first: '4.9', last: '4.10', text: '4.9-4.10', newer: 'from 4.11 kernels list reserved regions in sysfs and map the MSI doorbell of an assigned device behind an arm64 SMMU' },
  'v4.11': { first: SINCE.sysfsRegions, last: '5.3', text: '4.11-5.3', newer: 'no released kernel >= 5.4 lets VFIO map over a non-relaxable reserved region', older: 'reserved_regions appeared in 4.11' },
  type1: { first: SINCE.type1Enforces, text: '>= 5.4', older: 'VFIO type1 enforces reserved regions only from 5.4' },
  iommufd: { first: SINCE.iommufd, text: '>= 6.2', older: 'iommufd arrived in 6.2' },
};

/**
 * The version an era runs as on a host whose kernel is `hostKernel`: the
 * host's own when the era spans it, else the nearest release of the era,
 * with the reason that makes the run a what-if.
 */
export function effectiveKernel(era: KernelEra, hostKernel: string): { version: string; whatIf?: string } {
  const span = ERA_SPANS[era];
  if (!kernelAtLeast(hostKernel, span.first)) {
    return { version: span.first, whatIf: `kernel ${era} (${span.text}) run as ${span.first} on a host with an older kernel: ${span.older ?? `the era starts at ${span.first}`}` };
  }
  if (span.last !== undefined && !kernelAtLeast(span.last, hostKernel)) {
    return { version: span.last, whatIf: `kernel ${era} (${span.text}) run as ${span.last} on a host with a newer kernel: ${span.newer ?? `the era ends at ${span.last}`}` };
  }
  return { version: hostKernel };
}

const at = (version: string, since: string) => kernelAtLeast(version, since);
const arm = (host: Host) => host.iommu === 'arm-smmu-v3' || host.iommu === 'arm-smmu';
const MiB16 = 0xffffffn;
/** torvalds/linux:drivers/iommu/amd/iommu.c HT_RANGE_START / HT_RANGE_END, as the host file lists it. */
const isAmdHtRange = (host: Host, r: ReservedRegion) => host.iommu === 'amd' && r.type === 'reserved' && r.start === 0xfd00000000n && r.last === 0xffffffffffn;
const isIsaRange = (host: Host, r: ReservedRegion) => host.iommu === 'intel' && r.start === 0n && r.last === MiB16 && (r.type === 'direct' || r.type === 'direct-relaxable');

/** One region as the kernel of `version` has it; undefined where that kernel has none. */
function regionAt(host: Host, r: ReservedRegion, version: string): ReservedRegion | undefined {
  if (r.type === 'sw-msi') return at(version, SINCE.swMsi) ? r : undefined;
  if (isIsaRange(host, r)) {
    if (!at(version, SINCE.isaDirect)) return undefined;
    return at(version, SINCE.isaRelaxable) ? { start: r.start, last: r.last, type: 'direct-relaxable' } : { start: r.start, last: r.last, type: 'direct', rmrr: false };
  }
  // An IOMMU with HTRangeIgnore translates the HT range: from 6.16 the kernel reports no region there, and DMA there is plain DMA.
  if (isAmdHtRange(host, r) && host.htRangeIgnore && at(version, SINCE.amdHtRangeIgnore)) return undefined;
  // Hardware windows (MSI doorbells, HT, firmware ranges) exist whatever the kernel; sysfsRegionsAt hides the unreported ones.
  return r;
}

/** arm64 dma-iommu exported the host-bridge windows of PCI devices as RESERVED in 4.12-4.17 (see SINCE). */
function bridgeWindowsAt(host: Host, group: IommuGroup, version: string): ReservedRegion[] {
  if (!arm(host) || !at(version, SINCE.bridgeWindowsExported) || at(version, SINCE.bridgeWindowsHidden)) return [];
  // A bridge window stands for the host-bridge window that contains it (at least that range).
  return host.bridges.filter((b) => b.groups.includes(group.id)).map((b) => ({ start: b.start, last: b.last, type: 'reserved' as const }));
}

const derived = new WeakMap<Host, Map<string, Host>>();

/** The host as a kernel of `version` shows it: its regions, and `kernel` set to that version. Memoized per host and version. */
export function hostAtKernel(host: Host, version: string): Host {
  let byVersion = derived.get(host);
  if (!byVersion) derived.set(host, (byVersion = new Map()));
  const hit = byVersion.get(version);
  if (hit) return hit;
  const groups = host.groups.map((g): IommuGroup => {
    const own = g.regions.flatMap((r) => regionAt(host, r, version) ?? []);
    const windows = bridgeWindowsAt(host, g, version).filter((w) => !own.some((r) => r.type === w.type && r.start === w.start && r.last === w.last));
    return { ...g, regions: [...own, ...windows] };
  });
  const out: Host = { ...host, kernel: version, groups };
  byVersion.set(version, out);
  return out;
}

/** What reserved_regions lists at `version` for a group of hostAtKernel(host, version); undefined before 4.11. */
export function sysfsRegionsAt(host: Host, group: IommuGroup, version: string): readonly ReservedRegion[] | undefined {
  if (!at(version, SINCE.sysfsRegions)) return undefined;
  // The HiSilicon ITS frame bypassed the SMMU before the kernel reported it.
  return group.regions.filter((r) => !(arm(host) && r.type === 'msi' && !at(version, SINCE.hisiHwMsi)));
}

/**
 * Why a device of `group` (as in the host file) gets no working MSIs from a
 * kernel of `version` on this host, or undefined when it does. Only arm64
 * SMMUs translate MSI writes; a group with a HW MSI region has an ITS the
 * SMMU bypasses.
 */
export function msiUnavailableAt(host: Host, group: IommuGroup, version: string): string | undefined {
  if (!arm(host)) return undefined; // x86: the MSI window is never translated
  const translated = group.regions.some((r) => r.type === 'sw-msi');
  const bypass = group.regions.some((r) => r.type === 'msi');
  if (!at(version, SINCE.swMsi)) {
    // No cookie: the ITS address is programmed untranslated, which only a bypassing ITS receives.
    return translated && !bypass ? `kernel ${version} has no MSI cookie (it arrived in 4.11): nothing maps the ITS doorbell in the device's IOMMU domain` : undefined;
  }
  // A window over a platform range (DT iommu-addresses) never reaches the ITS: the default "cannot be reserved"
  // on such SoCs (Shyam Saini <20250909154600.910110-1-shyamsaini@linux.microsoft.com>; Broadcom, Srinath
  // Mannam <20200914181307.117792-1-vemegava@linux.microsoft.com>).
  const window = group.regions.find((r) => r.type === 'sw-msi');
  const platform = window && group.regions.find((r) => r.type === 'reserved' && r.start <= window.last && window.start <= r.last);
  if (window && platform) return `the SW_MSI window 0x${window.start.toString(16)}-0x${window.last.toString(16)} lies on platform range 0x${platform.start.toString(16)}-0x${platform.last.toString(16)}: a doorbell mapped there never reaches the ITS`;
  if (bypass && !at(version, SINCE.hisiHwMsi)) {
    return `kernel ${version} maps the doorbell at the SW_MSI IOVA, but this ITS bypasses the SMMU (its HW MSI region is reported from ${SINCE.hisiHwMsi})`;
  }
  return undefined;
}

/**
 * Why QEMU `qemu` cannot live-migrate a VM with an assigned device from a
 * host running `source` to one running `dest`, or undefined when it can
 * (given a device whose VFIO driver implements migration: an assumption).
 */
export function vfioMigrationBlocker(qemu: string, source: string, dest: string): string | undefined {
  if (!kernelAtLeast(qemu, QEMU_SINCE.vfioMigrationExperimental)) return `QEMU ${qemu} registers VFIO devices as unmigratable (VFIO migration arrived in 5.2)`;
  if (!kernelAtLeast(qemu, QEMU_SINCE.vfioMigrationDefault)) return `QEMU ${qemu}: VFIO migration is experimental and off (x-enable-migration; on by default from 8.1)`;
  if (!at(source, SINCE.vfioMigrationV2)) return `VFIO migration is not supported in kernel (${source}; uAPI v2 from ${SINCE.vfioMigrationV2})`;
  if (!at(dest, SINCE.vfioMigrationV2)) return `the destination kernel (${dest}) has no VFIO migration uAPI v2 (${SINCE.vfioMigrationV2}): the device state cannot be loaded`;
  return undefined;
}
