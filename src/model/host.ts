// The host platform as the kernel sees it: IOMMU groups with typed reserved
// regions, the aperture, and PCI bridge windows (which userspace never sees).
import type { Range } from './addr.js';
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
   * the RMRR attach check does not see it. Default: true.
   */
  readonly rmrr?: boolean;
}

export interface IommuGroup {
  readonly id: number;
  readonly devices: readonly string[];
  readonly regions: readonly ReservedRegion[];
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
}

export type IommuVendor = 'intel' | 'amd' | 'arm-smmu-v3' | 'arm-smmu';
export type Arch = 'x86_64' | 'aarch64';

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
}

export function apertureOf(host: Host): IntervalSet {
  return IntervalSet.of({ start: 0n, last: (1n << BigInt(host.apertureBits)) - 1n });
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
