// One interface for every kernel era: a policy picks the era, the engine
// drives a container through attach / detach / map / unmap.
import type { Range } from '../model/addr.js';
import type { IommuGroup, ReservedRegion } from '../model/host.js';
import type { IntervalSet } from '../model/intervals.js';

export type Errno = 'EINVAL' | 'EEXIST' | 'ENOSPC' | 'EADDRINUSE' | 'EPERM' | 'EOVERFLOW' | 'EBUSY';

/**
 * - `v4.9`: the 2016 kernel; reserved regions exist only inside the kernel.
 * - `v4.11`: 4.11–5.3; regions visible in sysfs, still not enforced by VFIO.
 * - `type1`: VFIO type1 ≥ 5.4, enforces the valid IOVA list.
 * - `iommufd`: ≥ 6.2, reserves regions per attached device.
 */
export type KernelEra = 'v4.9' | 'v4.11' | 'type1' | 'iommufd';
export const KERNEL_ERAS: readonly KernelEra[] = ['v4.9', 'v4.11', 'type1', 'iommufd'];

export type KernelResult =
  | { readonly status: 'ok' }
  | {
      readonly status: 'refused';
      readonly errno: Errno;
      /** Why, in the kernel's terms, e.g. "not inside one valid IOVA range". */
      readonly reason: string;
      /** The region or mapping that caused the refusal, when there is one. */
      readonly culprit?: ReservedRegion | Range;
    };

export const OK: KernelResult = { status: 'ok' };

export function refused(errno: Errno, reason: string, culprit?: ReservedRegion | Range): KernelResult {
  return culprit ? { status: 'refused', errno, reason, culprit } : { status: 'refused', errno, reason };
}

/**
 * How a group's MSIs reach their doorbell in its container's domain.
 * - `doorbell`: the kernel maps one page per MSI doorbell, PAGE_SIZE each,
 *   from the window's start upwards (dma-iommu.c iommu_dma_get_msi_page,
 *   cookie_msi_granule; iommufd from 6.15: driver.c iommufd_sw_msi);
 * - `untranslated`: no doorbell page in the IOVA space (x86 interrupt
 *   remapping, or a hardware MSI region the IOMMU does not translate);
 * - `no-cookie`: MSIs are translated but the domain has no MSI cookie, so
 *   they fault: the device has no working MSIs.
 */
export type MsiSetup =
  | { readonly kind: 'doorbell'; readonly window: Range; readonly granule: bigint }
  | { readonly kind: 'untranslated' }
  | { readonly kind: 'no-cookie'; readonly reason: string };

/** A VFIO container or iommufd IOAS: the IOVA space shared by attached groups. */
export interface Container {
  readonly era: KernelEra;
  /** First group: VFIO_SET_IOMMU; later: VFIO_GROUP_SET_CONTAINER (or iommufd attach). */
  attach(group: IommuGroup): KernelResult;
  detach(groupId: number): void;
  /** VFIO_IOMMU_MAP_DMA / IOMMU_IOAS_MAP with a fixed IOVA. */
  map(iova: Range): KernelResult;
  /** Removes every mapping entirely inside `iova`. */
  unmap(iova: Range): void;
  /** IOVAs currently mapped. */
  mapped(): IntervalSet;
  /** The valid IOVA list the kernel reports, or undefined when the era reports none. */
  validRanges(): IntervalSet | undefined;
  attachedGroups(): readonly number[];
  /** How the attached group's MSIs reach their doorbell (decided at attach). */
  msi(groupId: number): MsiSetup;
  /**
   * The kernel maps a device's doorbell pages into the domain when the
   * device's MSIs are set up (dma-iommu.c iommu_dma_get_msi_page, lazily:
   * when the user enables MSIs); they stay until the domain is freed.
   */
  mapDoorbells?(pages: IntervalSet): void;
}

export interface KernelModel {
  readonly era: KernelEra;
  /** Whether /sys/kernel/iommu_groups/N/reserved_regions exists (≥ 4.11). */
  readonly regionsVisible: boolean;
  newContainer(): Container;
}

