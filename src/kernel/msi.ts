// MSIs of an assigned device, as the kernel decides them: the isolation
// precondition of attach, and whether a doorbell page is mapped for the
// device in its domain's SW_MSI window (the MSI cookie).
import { type Host, type IommuGroup, type ReservedRegion, pageSizeOf } from '../model/host.js';
import { type KernelEra, type KernelResult, type MsiSetup, OK, refused } from './types.js';

export const UNTRANSLATED: MsiSetup = { kind: 'untranslated' };

/**
 * torvalds/linux:drivers/vfio/vfio_iommu_type1.c (vfio_iommu_has_sw_msi):
 * "The presence of any 'real' MSI regions should take precedence over the
 * software-managed one": a HW MSI region means no MSI cookie.
 */
export function swMsiWindow(regions: readonly ReservedRegion[]): ReservedRegion | undefined {
  let window: ReservedRegion | undefined;
  for (const r of regions) {
    if (r.type === 'msi') return undefined;
    if (r.type === 'sw-msi') window = r;
  }
  return window;
}

/**
 * A type1 (or ≤ 5.3) domain's MSI setup for one of its groups. The cookie
 * is taken once, by the group that creates the domain
 * (vfio_iommu_type1_attach_group: iommu_get_msi_cookie on a new domain only);
 * every device in a domain with a cookie gets its doorbell page there
 * (dma-iommu.c iommu_dma_prepare_msi), and without one a translated MSI
 * is left at its physical address and faults.
 */
export function domainMsi(host: Host, cookie: ReservedRegion | undefined, group: IommuGroup): MsiSetup {
  if (cookie) return { kind: 'doorbell', window: cookie, granule: pageSizeOf(host) };
  if (!group.regions.some((r) => r.type === 'sw-msi') || group.regions.some((r) => r.type === 'msi')) return UNTRANSLATED;
  return { kind: 'no-cookie', reason: 'MSIs are translated but the domain has no MSI cookie (the group that created it has a hardware MSI region)' };
}

/**
 * MSI isolation is a precondition of assignment unless the module
 * parameter allow_unsafe_interrupts is set:
 * - type1: vfio_iommu_type1_attach_group (iommu_group_has_isolated_msi,
 *   irq_domain_check_msi_remap before 6.3) → EPERM with this warning;
 * - iommufd: iommufd_device_bind (from 6.3; 6.2 checked it at attach) → EPERM;
 * - before 4.11 arm-smmu advertised IOMMU_CAP_INTR_REMAP ("MSIs are just
 *   memory writes"; dropped by Eric Auger's "iommu/arm-smmu: Do not advertise
 *   IOMMU_CAP_INTR_REMAP anymore"), so the check passed on any arm64 host.
 */
export function isolationCheck(host: Host, era: KernelEra): KernelResult {
  if (host.allowUnsafeInterrupts === true || host.msiIsolation !== false) return OK;
  if (era === 'v4.9' && (host.iommu === 'arm-smmu' || host.iommu === 'arm-smmu-v3')) return OK;
  if (era === 'iommufd') return refused('EPERM', 'MSI interrupts cannot be isolated by the platform and iommufd.allow_unsafe_interrupts is off (iommufd_device_bind)');
  return refused('EPERM', 'No interrupt remapping support.  Use the module param "allow_unsafe_interrupts" to enable VFIO IOMMU support on this platform');
}
