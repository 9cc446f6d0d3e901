// The typed case list of `doorbell conformance`: one description drives the
// real stack (guest scripts, QEMU command lines) and doorbell's model.
import type { Arch, IommuVendor } from '../model/host.js';

export type Tier = 'layout' | 'kernel' | 'vmm';
export const TIERS: readonly Tier[] = ['layout', 'kernel', 'vmm'];

/** Kernel series booted; each is the newest Debian package of its suite. */
export type Series = '5.10' | '6.1' | '6.12';

/** The emulated IOMMU of a test guest (conformance/boot.sh). */
export type GuestIommu = 'intel' | 'amd' | 'smmuv3' | 'smmuv3-gicv2';

/** A device the guest script binds to vfio-pci, found by vendor:device. */
export type Target = 'nic' | 'xhci';
export const TARGET_IDS: Record<Target, string> = { nic: '0x8086 0x10d3', xhci: '0x1b36 0x000d' };

/** One line of vfioprobe's language (conformance/vfioprobe.c). */
export type KernelStep =
  | { readonly op: 'container' }
  | { readonly op: 'group'; readonly target: Target }
  | { readonly op: 'iommu'; readonly type: 'type1v2' | 'type1' }
  | { readonly op: 'info' }
  | { readonly op: 'map' | 'unmap'; readonly iova: bigint; readonly size: bigint; readonly beyondPinCap?: true }
  | { readonly op: 'limit'; readonly entries: number };

export interface KernelCase {
  readonly name: string;
  /** Why the case is there: the rule it checks. */
  readonly checks: string;
  readonly steps: readonly KernelStep[];
}

/** What the model needs to know about a booted guest besides its sysfs capture. */
export interface HostFacts {
  readonly arch: Arch;
  readonly iommu: IommuVendor;
  /** IOVA bits of the emulated IOMMU (QEMU 7.2: intel-iommu aw-bits 39; SMMUv3 48; AMD v1 64). */
  readonly apertureBits: number;
  /** False without interrupt remapping / an ITS (GICv2): type1 attach is EPERM. */
  readonly msiIsolation: boolean;
}

export interface KernelBoot {
  readonly id: string;
  readonly series: Series;
  readonly iommu: GuestIommu;
  readonly facts: HostFacts;
  readonly mem: string;
  /** Boot with the DMAR carrying RMRRs (set-up step 5) and a qemu-xhci. */
  readonly rmrr: boolean;
  readonly targets: readonly Target[];
  readonly cases: readonly KernelCase[];
  /** scenarios/hosts/<name>.yaml written from this boot's capture, if any. */
  readonly hostFile?: string;
}

/** Where the nested QEMU comes from inside the test guest. */
export type QemuRoot = 'host' | 'trixie' | 'bullseye' | 'arm64';
export const QEMU_OF_ROOT: Record<QemuRoot, string> = { host: '7.2', trixie: '10.0', bullseye: '5.2', arm64: '7.2' };

export interface VmmCase {
  readonly name: string;
  readonly checks: string;
  /** start: cold-plugged device; hotplug: QMP device_add; dimm: cold-plugged device, then a pc-dimm. */
  readonly phase: 'start' | 'hotplug' | 'dimm';
  readonly guest: 'aarch64' | 'x86_64';
  /** QEMU's -M value: virt, q35, pc, pc-q35-7.0 ... */
  readonly machine: string;
  /** QEMU's -cpu value; default cortex-a57 (virt) or QEMU's default (x86). */
  readonly cpu?: string;
  readonly ramMiB: number;
  readonly dimmMiB?: number;
}

export interface VmmBoot {
  readonly id: string;
  readonly series: Series;
  readonly iommu: GuestIommu;
  readonly facts: HostFacts;
  readonly root: QemuRoot;
  /** Memory of the test guest: the cap on what a successful nested map can pin. */
  readonly mem: string;
  readonly cases: readonly VmmCase[];
}

export interface LayoutCase {
  readonly name: string;
  readonly checks: string;
  readonly binary: 'qemu-system-aarch64' | 'qemu-system-x86_64';
  readonly machine: string;
  readonly cpu?: string;
  /** -m; with maxMiB, slots for a pc-dimm of dimmMiB added over QMP. */
  readonly ramMiB: number;
  readonly maxMiB?: number;
  readonly dimmMiB?: number;
}

export interface LayoutRun {
  readonly id: string;
  readonly root: QemuRoot;
  readonly cases: readonly LayoutCase[];
}
