// The host platform as the kernel sees it: IOMMU groups with typed reserved
// regions, the aperture, and PCI bridge windows (which userspace never sees).
import { type Range, U64_MAX } from './addr.js';
import { IntervalSet } from './intervals.js';

/**
 * torvalds/linux:include/linux/iommu.h, enum iommu_resv_type. SW_MSI and MSI
 * are kept distinct here although sysfs prints both as `msi`.
 */
export type RegionType = 'direct' | 'direct-relaxable' | 'reserved' | 'msi' | 'sw-msi';

export const REGION_TYPES: readonly RegionType[] = ['direct', 'direct-relaxable', 'reserved', 'msi', 'sw-msi'];

/** The string sysfs prints (iommu.c, iommu_resv_type_string): SW_MSI reads `msi` too. */
export function sysfsTypeName(t: RegionType): string {
  return t === 'sw-msi' ? 'msi' : t;
}

export interface ReservedRegion extends Range {
  readonly type: RegionType;
  /**
   * For `direct` regions: whether firmware's DMAR table lists it as an RMRR.
   * Intel's synthetic ISA-bridge region (5.3/5.4) is DIRECT but no RMRR, so
   * the RMRR attach check does not see it, and no firmware agent writes
   * there (dma/danger-map.ts firmwareAgentRanges). Default: true.
   */
  readonly rmrr?: boolean;
}

export interface IommuGroup {
  readonly id: number;
  readonly devices: readonly string[];
  /**
   * The group's list, as iommu_get_group_resv_regions builds it (and sysfs
   * prints it): every device's regions, same-type overlaps merged. VFIO
   * type1 works on this list.
   */
  readonly regions: readonly ReservedRegion[];
  /**
   * Per device (parallel to `devices`), what iommu_get_resv_regions(dev)
   * returns, when the host file gives regions per device. Absent: every
   * device reports `regions`.
   */
  readonly deviceRegions?: readonly (readonly ReservedRegion[])[];
  /**
   * Address bits the root complex above the group carries to the IOMMU: the
   * IORT root complex node's "Memory address size limit" (ACPI/IORT
   * 5ac65e8c8941; rc_dma_get_range -> dev->bus_dma_limit, drivers/acpi/arm64/
   * iort.c, dma.c acpi_arch_dma_setup). Only the kernel's DMA API honours it;
   * no reserved region, no VFIO or iommufd IOVA range carries it (Eric Auger's
   * RFC to report it, <20200928195037.22654-1-eric.auger@redhat.com>, was not
   * merged). Absent: no limit below the aperture.
   */
  readonly dmaLimitBits?: number;
}

/**
 * A PCI bridge (switch or root port) window. arm64 reported host-bridge
 * windows as reserved regions only in 4.12-4.17 (273df9635385, cd2c9fcf5c66;
 * model/kernel-versions.ts derives them); elsewhere no userspace sees them.
 * Without ACS, a DMA from a group below the bridge to an address inside the
 * window is routed peer-to-peer before it reaches the IOMMU.
 */
export interface BridgeWindow extends Range {
  readonly name: string;
  readonly acs: boolean;
  readonly groups: readonly number[];
  /**
   * The peers' implemented BARs inside the window: a posted write there is
   * absorbed; elsewhere in the window it gets Unsupported Request (AER).
   * Absent: the whole window is taken as BARs.
   */
  readonly bars?: readonly Range[];
}

/** riscv: the RISC-V IOMMU (drivers/iommu/riscv/, merged in Linux 6.13 without interrupt remapping). */
export type IommuVendor = 'intel' | 'amd' | 'arm-smmu-v3' | 'arm-smmu' | 'apple-dart' | 'riscv';
export type Arch = 'x86_64' | 'aarch64' | 'riscv64';

export interface Host {
  readonly platform: string;
  readonly arch: Arch;
  readonly iommu: IommuVendor;
  /** IOVA bits the IOMMU translates; IOVA at or above 2^bits is invalid. */
  readonly apertureBits: number;
  /** Host kernel version, e.g. "6.8"; decides the ≥6.6 DIRECT rule for modern kernels. */
  readonly kernel: string;
  /** Host CPU physical address bits: the ceiling for a guest's phys-bits. */
  readonly physBits: number;
  readonly groups: readonly IommuGroup[];
  readonly bridges: readonly BridgeWindow[];
  /** Kernel PAGE_SIZE in bytes (16 or 64 KiB on some arm64 kernels). Default 4 KiB. */
  readonly pageSize?: bigint;
  /**
   * Whether the platform isolates MSIs (x86 interrupt remapping, a GICv3
   * ITS; not a GICv2m frame): iommu_group_has_isolated_msi. Default true.
   */
  readonly msiIsolation?: boolean;
  /** The allow_unsafe_interrupts module parameter of vfio_iommu_type1 and iommufd. Default false. */
  readonly allowUnsafeInterrupts?: boolean;
  /**
   * AMD IOMMU EFR2 bit 11, HTRangeIgnore: the IOMMU translates the
   * HyperTransport range like any other IOVA. Default false.
   */
  readonly htRangeIgnore?: boolean;
}

export const DEFAULT_PAGE_SIZE = 4096n;

export function pageSizeOf(host: Host): bigint {
  return host.pageSize ?? DEFAULT_PAGE_SIZE;
}

/**
 * Each device's own list (iommu_get_resv_regions). A group whose devices
 * are not listed counts as one device reporting the group's list.
 */
export function regionsPerDevice(group: IommuGroup): readonly (readonly ReservedRegion[])[] {
  if (group.deviceRegions) return group.deviceRegions;
  return group.devices.length > 0 ? group.devices.map(() => group.regions) : [group.regions];
}

/** enum iommu_resv_type order: the kernel sorts a group's list by (start, type). */
const TYPE_ORDER: Record<RegionType, number> = { direct: 0, 'direct-relaxable': 1, reserved: 2, msi: 3, 'sw-msi': 4 };

/**
 * A group's list from its devices' lists (torvalds/linux:drivers/iommu/iommu.c,
 * iommu_insert_resv_region): sorted by (start, type); regions of one type
 * that overlap or touch merge; regions of different types never do.
 */
export function groupResvRegions(lists: readonly (readonly ReservedRegion[])[]): ReservedRegion[] {
  const out: ReservedRegion[] = [];
  for (const type of REGION_TYPES) {
    const same = lists.flat().filter((r) => r.type === type).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    let top: ReservedRegion | undefined;
    for (const r of same) {
      if (top && (top.last === U64_MAX || r.start <= top.last + 1n)) {
        const rmrr = top.rmrr === false && r.rmrr === false ? false : undefined;
        top = { start: top.start, last: r.last > top.last ? r.last : top.last, type, ...(rmrr === false ? { rmrr } : {}) };
        out[out.length - 1] = top;
      } else {
        top = r;
        out.push(r);
      }
    }
  }
  return out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : TYPE_ORDER[a.type] - TYPE_ORDER[b.type]));
}

export function apertureOf(host: Host): IntervalSet {
  return IntervalSet.of({ start: 0n, last: (1n << BigInt(host.apertureBits)) - 1n });
}

/** IOVAs at or above the group's root-complex DMA limit, which a device's DMA never reaches (see dmaLimitBits). */
export function beyondDmaLimit(group: IommuGroup): Range | undefined {
  if (group.dmaLimitBits === undefined || group.dmaLimitBits >= 64) return undefined;
  return { start: 1n << BigInt(group.dmaLimitBits), last: U64_MAX };
}

export function findGroup(host: Host, id: number): IommuGroup {
  const g = host.groups.find((x) => x.id === id);
  if (!g) throw new Error(`host ${host.platform} has no IOMMU group ${id}`);
  return g;
}

export function regionsOf(group: IommuGroup, pred: (t: RegionType) => boolean = () => true): IntervalSet {
  return IntervalSet.from(group.regions.filter((r) => pred(r.type)));
}

/** Compare dotted kernel versions numerically: "5.10" > "5.4". */
export function kernelAtLeast(version: string, min: string): boolean {
  const a = version.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const b = min.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}
