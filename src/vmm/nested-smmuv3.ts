// QEMU's accelerated SMMUv3 (-device arm-smmuv3,accel=on, QEMU 11.0): the
// host SMMUv3 runs nested, stage 1 owned by the guest, stage 2 (guest RAM at
// its GPAs) by QEMU through iommufd only (c7ecb4cf2e94 "hw/arm/smmuv3-accel:
// Restrict accelerated SMMUv3 to vfio-pci endpoints with iommufd"). The guest
// learns the host's MSI window from IORT RMR nodes that QEMU builds at boot
// (06c0c8fde786, hw/arm/virt-acpi-build.c build_iort_rmr_nodes): one per
// accelerated SMMUv3, covering every RID behind it ("As VFIO devices can be
// hotplugged, all RMRs need to be created in advance"), always the kernel's
// default window MSI_IOVA_BASE 0x8000000 + MSI_IOVA_LENGTH 1 MiB, flags 0
// (no remapping: the guest maps it 1:1). Nothing else the host reserves is
// described. Migration is blocked (be0cf3c8f121, smmu_realize:
// migrate_add_blocker "Migration not supported with SMMUv3 accelerator mode
// enabled").
// Assumption: where it cannot exist (QEMU < 11.0, no nesting in the host
// kernel, not an arm64 SMMUv3 host), the model runs the VM as one without a
// vIOMMU, told nothing (what an operator would run there), not as a QEMU
// that rejects accel=on at start.
import type { Range } from '../model/addr.js';
import type { Host } from '../model/host.js';
import { QEMU_SINCE, SINCE } from '../model/kernel-versions.js';
import { versionAtLeast } from './layout.js';

/** The one range every RMR node describes (virt-acpi-build.c MSI_IOVA_BASE, MSI_IOVA_LENGTH). */
export const RMR_MSI_WINDOW: Range = { start: 0x8000000n, last: 0x80fffffn };

/** QEMU's migration blocker text (hw/arm/smmuv3.c smmu_realize, be0cf3c8f121). */
export const ACCEL_MIGRATION_BLOCKER = 'Migration not supported with SMMUv3 accelerator mode enabled (be0cf3c8f121)';

export interface NestedSmmuv3 {
  /** Why the VM has no accelerated SMMUv3; undefined: it has one. */
  readonly missing?: string;
}

/** Whether a VM with these settings gets an accelerated SMMUv3, and if not, why. `kernel`: the version the policy's kernel runs as. */
export function nestedSmmuv3(host: Pick<Host, 'arch' | 'iommu'>, kernel: string, vm: { readonly machine: string; readonly qemu: string }, userspace: string): NestedSmmuv3 {
  const why = userspace !== 'qemu' ? `${userspace} has no accelerated SMMUv3 (a QEMU device)`
    : host.arch !== 'aarch64' || host.iommu !== 'arm-smmu-v3' ? 'the accelerated SMMUv3 nests a host arm64 SMMUv3, which this host has not'
    : vm.machine !== 'virt' ? `it is a device of the aarch64 virt machine, not ${vm.machine}`
    : !versionAtLeast(vm.qemu, QEMU_SINCE.smmuv3Accel) ? `QEMU ${vm.qemu} has no arm-smmuv3 accel=on (QEMU ${QEMU_SINCE.smmuv3Accel})`
    : !versionAtLeast(kernel, SINCE.armSmmuv3Nesting) ? `kernel ${kernel} has no arm-smmu-v3 nesting (IOMMU_VIOMMU_ALLOC, ${SINCE.armSmmuv3Nesting})`
    : !versionAtLeast(kernel, SINCE.iommufdSwMsi) ? `kernel ${kernel} maps no MSI doorbell for a nested domain (iommufd sw_msi, ${SINCE.iommufdSwMsi})`
    : undefined;
  return why === undefined ? {} : { missing: why };
}
