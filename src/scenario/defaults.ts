// Every default a scenario may omit, in one place (documented in
// scenarios/REFERENCE.yaml, which the tests check against this file).
import type { DeclaredAtCreation, FleetMember, GuestProfile } from './types.js';

export const SCENARIO_DEFAULTS = {
  host: {
    /** 48-bit IOVA: SMMUv3 and VT-d with 4-level tables. */
    apertureBits: 48,
    physBits: 48,
    /** Kernel PAGE_SIZE: 4 KiB (arm64 distributions also ship 64 KiB kernels). */
    pageSize: 4096n,
    /** Every shipped host has interrupt remapping or a GICv3 ITS. */
    msiIsolation: true,
    allowUnsafeInterrupts: false,
    /** No AMD IOMMU before HTRangeIgnore translates the HT range. */
    htRangeIgnore: false,
  },
  vm: {
    qemu: '9.2',
    /**
     * -cpu host (or max) under KVM: the guest gets the host's phys-bits, as
     * doorbell has always modelled it and as the library's sources describe
     * (a named model would get 40: amd-ht-qemu71 would then not start).
     */
    cpuModel: 'host' as 'host' | 'max' | 'named',
    /** QEMU's default display (-vga std) and libvirt's default video devices are VGA-compatible. */
    vga: true,
    /** No vIOMMU: the guest's DMA addresses are its GPAs (IOVA == GPA), as every shipped default. */
    viommu: false,
    /** One MSI controller (one ITS) per SW_MSI window: one doorbell page. */
    swMsiDoorbells: 1,
  },
  /** Nothing declared at creation beyond the cold-plugged devices. */
  declaredAtCreation: { devices: [], hosts: [] } as DeclaredAtCreation,
  /** QEMU alone: every scenario written before userspaces were declared meant QEMU. */
  vmms: [{ userspace: 'qemu', weight: 1 }] as FleetMember[],
  /** A guest that honours boot firmware tables and runtime hints. */
  guests: [{ name: 'linux', weight: 1, honours: ['firmware', 'runtime'] }] as GuestProfile[],
  workload: {
    /** A NIC-like ring: 256 buffers of 64 KiB (16 MiB working set). */
    buffers: 256,
    bufferBytes: 64n * 1024n,
    lowBias: 0,
    /** The uniform model, named as the assumption it is (guest/placement/steady-state.ts). */
    placement: 'steady-state',
    /** Power-of-two allocations aligned to their size (guest/alignment.ts). */
    alignment: 'natural' as 'natural' | 'page',
  },
  dma: {
    operations: 1_000_000,
    rounds: 8,
    /** Fraction of buffers freed and re-allocated between rounds. */
    churn: 0.125,
  },
} as const;
