// Kernel tier: VFIO type1 driven by vfioprobe in real Debian kernels under
// TCG, each case from a fresh container. Addresses are chosen at the edges of
// the regions QEMU's emulated IOMMUs report (torvalds/linux:
// drivers/iommu/intel/iommu.c, amd/iommu.c, arm/arm-smmu-v3/arm-smmu-v3.h).
import type { GuestIommu, HostFacts, KernelBoot, KernelCase, KernelStep, Series, Target } from './types.js';

/** vfioprobe.c PIN_CAP: larger maps are cases the kernel refuses before pinning (vfio_dma_do_map validates first). */
const PIN_CAP = 512n << 20n;
const M = (iova: bigint, size: bigint): KernelStep => (size > PIN_CAP ? { op: 'map', iova, size, beyondPinCap: true } : { op: 'map', iova, size });
const attach = (target: Target = 'nic'): KernelStep[] => [{ op: 'container' }, { op: 'group', target }, { op: 'iommu', type: 'type1v2' }];
const mapCase = (name: string, checks: string, ...maps: KernelStep[]): KernelCase => ({ name, checks, steps: [...attach(), ...maps] });
const MiB = 1n << 20n;

/** x86: the MSI window 0xfee00000-0xfeefffff, the aperture, the AMD HT range, shape and order of checks. */
export const X86_CASES: readonly KernelCase[] = [
  { name: 'info', checks: 'valid IOVA ranges (VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE)', steps: [...attach(), { op: 'info' }] },
  mapCase('msi-window-exact', 'MSI window → EINVAL', M(0xfee00000n, MiB)),
  mapCase('msi-window-last-page', 'last page of the MSI window', M(0xfeeff000n, 0x1000n)),
  mapCase('straddle-msi-start', 'a map straddling a hole fails whole', M(0xfed00000n, 2n * MiB)),
  mapCase('straddle-msi-end', 'straddling the end of the window', M(0xfee80000n, MiB)),
  mapCase('adjacent-below-and-above', 'the pages around the window are valid', M(0xfed00000n, MiB), M(0xfef00000n, MiB)),
  mapCase('arm-virt-3055M', 'LP 1869006: a 3055 MiB virt guest reaches 0xfee00000', M(0x40000000n, 0xbef00000n)),
  mapCase('arm-virt-3054M-edges', 'LP 1869006: 3054 MiB ends below the window (edges only: nothing pinned)', M(0x40000000n, 0x1000n), M(0xfedff000n, 0x1000n)),
  mapCase('overlap-beats-reserved', 'EEXIST is checked before the valid-range EINVAL', M(0xfed00000n, MiB), M(0x40000000n, 0xbef00000n)),
  mapCase('exist-exact-and-partial', 'EEXIST for an exact and a partial overlap', M(0x100000000n, MiB), M(0x100000000n, MiB), M(0x100080000n, MiB), M(0xfff00000n, 2n * MiB)),
  mapCase('aperture-39-edge', 'last page of a 39-bit aperture', M(0x7ffffff000n, 0x1000n)),
  mapCase('aperture-39-beyond', 'first page past a 39-bit aperture', M(0x8000000000n, 0x1000n)),
  mapCase('aperture-39-straddle', 'straddling the 39-bit aperture end', M(0x7ffffff000n, 0x2000n)),
  mapCase('aperture-48-edge', 'last page of a 48-bit aperture', M(0xfffffffff000n, 0x1000n)),
  mapCase('ht-hole-start', 'AMD HyperTransport range (reserved) start', M(0xfd00000000n, 0x1000n)),
  mapCase('ht-hole-straddle', 'straddling the HT range start', M(0xfcfff00000n, 2n * MiB)),
  mapCase('ht-hole-end', 'last page of the HT range', M(0xfffffff000n, 0x1000n)),
  mapCase('ht-after', 'first page above the HT range (1 TiB)', M(0x10000000000n, 0x1000n)),
  mapCase('joao-1010GiB', 'Joao Martins: above-4G RAM of a 1010 GiB guest covers the HT range', M(0x100000000n, 0xff30000000n)),
  mapCase('misaligned-iova', 'shape: unaligned IOVA → EINVAL', M(0x1001n, 0x1000n)),
  mapCase('size-zero', 'shape: size 0 → EINVAL', M(0x200000n, 0n)),
  mapCase('wrap', 'shape: IOVA + size wraps → EINVAL', M(0xfffffffffffff000n, 0x2000n)),
  mapCase('isa-range', 'Intel ISA bridge [0, 16 MiB) is direct-relaxable: mappable', M(0n, 16n * MiB)),
  { name: 'unmap-nothing', checks: 'unmapping nothing succeeds', steps: [...attach(), { op: 'unmap', iova: 0x100000000n, size: MiB }] },
  {
    name: 'entry-limit', checks: 'dma_entry_limit → ENOSPC',
    steps: [{ op: 'limit', entries: 2 }, ...attach(), M(0x100000000n, 0x1000n), M(0x100002000n, 0x1000n), M(0x100004000n, 0x1000n), { op: 'limit', entries: 65535 }],
  },
  {
    name: 'entry-limit-beats-reserved', checks: 'ENOSPC is checked before the valid-range EINVAL',
    steps: [{ op: 'limit', entries: 1 }, ...attach(), M(0x100000000n, 0x1000n), M(0xfee00000n, 0x1000n), { op: 'limit', entries: 65535 }],
  },
];

/** arm64 SMMUv3: the SW_MSI window 0x8000000-0x80fffff. */
export const ARM_CASES: readonly KernelCase[] = [
  { name: 'info', checks: 'valid IOVA ranges', steps: [...attach(), { op: 'info' }] },
  mapCase('sw-msi-exact', 'SW_MSI window → EINVAL', M(0x8000000n, MiB)),
  mapCase('sw-msi-first-page', 'first page of the SW_MSI window', M(0x8000000n, 0x1000n)),
  mapCase('sw-msi-straddle', 'straddling the window', M(0x7f00000n, 2n * MiB)),
  mapCase('sw-msi-adjacent', 'the MiB on each side is valid', M(0x7f00000n, MiB), M(0x8100000n, MiB)),
  mapCase('virt-ram-at-1G', 'virt RAM base', M(0x40000000n, 0x1000n)),
  mapCase('x86-msi-on-arm', 'no x86 window on arm64', M(0xfee00000n, MiB)),
  mapCase('ram-at-zero', 'RAM from 0 (an x86 guest on arm64) covers the window', M(0n, 0x40000000n)),
  mapCase('aperture-44-edge', 'last page below 44 bits', M(0xfffff000000n, 0x1000n)),
  mapCase('aperture-48-edge', 'last pages below 48 bits', M(0xffffffff000n, 0x1000n), M(0xfffffffff000n, 0x1000n)),
  mapCase('aperture-48-beyond', 'first page past 48 bits', M(0x1000000000000n, 0x1000n)),
  mapCase('exist', 'EEXIST', M(0x40000000n, MiB), M(0x40000000n, MiB)),
];

/** GICv2 (no ITS): no MSI isolation. */
export const GICV2_CASES: readonly KernelCase[] = [
  mapCase('attach-without-msi-isolation', 'type1 attach needs isolated MSI (EPERM "No interrupt remapping support")', M(0x40000000n, 0x1000n)),
];

/** Intel RMRRs injected through the ACPI table upgrade: e1000e direct, qemu-xhci direct-relaxable (USB). */
export const RMRR_CASES: readonly KernelCase[] = [
  { name: 'nic-attach', checks: 'RMRR device: EPERM (Intel, < 6.6) or EINVAL (≥ 6.6, a48ce36e2786)', steps: [...attach('nic'), { op: 'info' }] },
  { name: 'nic-map-over-rmrr', checks: 'maps after a refused attach', steps: [...attach('nic'), M(0xfeffc000n, 0x4000n)] },
  { name: 'xhci-attach', checks: 'USB RMRR is direct-relaxable: attach works', steps: [...attach('xhci'), { op: 'info' }] },
  { name: 'xhci-map-over-rmrr', checks: 'a relaxable RMRR is mappable; the MSI window is not', steps: [...attach('xhci'), M(0xf0000n, 0x10000n), M(0xfee00000n, 0x1000n)] },
];

const INTEL: HostFacts = { arch: 'x86_64', iommu: 'intel', apertureBits: 39, msiIsolation: true };
const AMD: HostFacts = { arch: 'x86_64', iommu: 'amd', apertureBits: 64, msiIsolation: true };
const SMMU: HostFacts = { arch: 'aarch64', iommu: 'arm-smmu-v3', apertureBits: 48, msiIsolation: true };

const SERIES: readonly Series[] = ['5.10', '6.1', '6.12'];
function boots(iommu: GuestIommu, facts: HostFacts, cases: readonly KernelCase[], hostName: string): KernelBoot[] {
  return SERIES.map((series) => ({
    id: `${iommu}-${series}`, series, iommu, facts, mem: '1G', rmrr: false, targets: ['nic'], cases, hostFile: `${hostName}-${series}`,
  }));
}

export const KERNEL_BOOTS: readonly KernelBoot[] = [
  ...boots('intel', INTEL, X86_CASES, 'qemu-intel'),
  ...boots('amd', AMD, X86_CASES, 'qemu-amd'),
  ...boots('smmuv3', SMMU, ARM_CASES, 'qemu-smmuv3'),
  ...SERIES.map((series): KernelBoot => ({
    id: `intel-rmrr-${series}`, series, iommu: 'intel', facts: INTEL, mem: '1G', rmrr: true, targets: ['nic', 'xhci'], cases: RMRR_CASES, hostFile: `qemu-intel-rmrr-${series}`,
  })),
  { id: 'smmuv3-gicv2-6.12', series: '6.12', iommu: 'smmuv3-gicv2', facts: { ...SMMU, msiIsolation: false }, mem: '1G', rmrr: false, targets: ['nic'], cases: GICV2_CASES },
];
