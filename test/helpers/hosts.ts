import type { Host, IommuGroup, RegionType } from '../../src/model/host.js';

export function group(id: number, ...regions: Array<[bigint, bigint, RegionType]>): IommuGroup {
  return { id, devices: [`dev${id}`], regions: regions.map(([start, last, type]) => ({ start, last, type })) };
}

export function host(groups: IommuGroup[], over: Partial<Host> = {}): Host {
  return { platform: 'test', arch: 'aarch64', iommu: 'arm-smmu-v3', apertureBits: 48, kernel: '5.10', physBits: 48, groups, bridges: [], ...over };
}

export const SW_MSI: [bigint, bigint, RegionType] = [0x8000000n, 0x80fffffn, 'sw-msi'];
export const X86_MSI: [bigint, bigint, RegionType] = [0xfee00000n, 0xfeefffffn, 'msi'];
export const HW_MSI_D05: [bigint, bigint, RegionType] = [0xc6010000n, 0xc601ffffn, 'msi'];
export const AMD_HT: [bigint, bigint, RegionType] = [0xfd00000000n, 0xffffffffffn, 'reserved'];
