// Eric Auger's RFC "iommu: Reserved regions for IOVAs beyond dma_mask and
// iommu aperture" (<20200928195037.22654-1-eric.auger@redhat.com>, patch 2/3
// <20200928195037.22654-3-eric.auger@redhat.com>): iommu_get_resv_regions
// adds the IOVAs above a device's DMA limit as an IOMMU_RESV_RESERVED region,
// so sysfs lists it and type1/iommufd refuse maps there. Not merged: Alex
// Williamson objected to exporting dma_mask and asked for the IORT code to
// register the regions (<20200928164224.12350d84@w520.home>); Christoph
// Hellwig pointed at bus_dma_limit (<20201005130852.GB2163@lst.de>). Modelled
// from the root complex's limit (model/host.ts dmaLimitBits), the form the
// thread converged on; a what-if.
import { type Host, type IommuGroup, type ReservedRegion, beyondDmaLimit, groupResvRegions } from '../model/host.js';

function withLimit(group: IommuGroup): IommuGroup {
  const beyond = beyondDmaLimit(group);
  if (!beyond) return group;
  const region: ReservedRegion = { ...beyond, type: 'reserved' };
  const lists = (group.deviceRegions ?? [group.regions]).map((l) => [...l, region]);
  return { ...group, regions: groupResvRegions(lists), ...(group.deviceRegions ? { deviceRegions: lists } : {}) };
}

/** The host as a kernel with the RFC applied reports it: each limited group gains the range above its limit. */
export function hostWithDmaLimitReported(host: Host): Host {
  return host.groups.some((g) => beyondDmaLimit(g)) ? { ...host, groups: host.groups.map(withLimit) } : host;
}
