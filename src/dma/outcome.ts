// What a device's DMA write to a guest buffer turns into (domain.md §3), and
// who can see it. Every outcome but `delivered` loses the data; they differ
// in who records it. Ordered by precedence: the first that applies to a page wins.
import type { Host } from '../model/host.js';

export const Outcome = {
  delivered: 0,
  /** Without ACS a switch routes the write to a peer's implemented BAR before the IOMMU sees it. */
  peerBar: 1,
  /** Peer-to-peer into a part of the switch window no BAR decodes: Unsupported Request. */
  peerHole: 2,
  /** Beyond the IOMMU aperture: nothing can translate it. */
  faultAperture: 3,
  /** Hardware MSI window (x86 0xfee00000, HiSilicon ITS frame): untranslated, an interrupt request. */
  interruptMsi: 4,
  /** The doorbell page the kernel mapped inside the SW_MSI window: an interrupt. */
  interruptSwMsi: 5,
  /** Firmware owns a DIRECT (RMRR/RMR/IVMD) range and DMAs there any time. */
  firmware: 6,
  /** RESERVED (e.g. AMD HyperTransport): the write does not reach the mapped page. */
  reserved: 7,
  /** Not mapped in the IOMMU: a translation fault. */
  faultUnmapped: 8,
  /** At or above the root complex's DMA address limit (IORT): mapped, but the write never reaches the IOMMU. */
  rcLimit: 9,
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

export const OUTCOME_COUNT = 10;

export const OUTCOME_NAMES: Record<Outcome, string> = {
  0: 'delivered',
  1: 'peer-to-peer (peer BAR)',
  2: 'peer-to-peer (window hole)',
  3: 'iommu-fault (aperture)',
  4: 'interrupt (hw msi)',
  5: 'interrupt (sw msi doorbell)',
  6: 'firmware collision',
  7: 'lost (reserved)',
  8: 'iommu-fault (unmapped)',
  9: 'beyond the root complex DMA limit',
};

/** Who can see a lost write. */
export const Visibility = {
  /** Nothing anywhere records it. */
  unlogged: 0,
  /** The host kernel logs a fault or an error event; the guest sees nothing. */
  hostLogged: 1,
  /** The device or the guest gets an error (AER, reset, VF failure). */
  guestVisible: 2,
} as const;
export type Visibility = (typeof Visibility)[keyof typeof Visibility];

export const VISIBILITY_COUNT = 3;

/** Column-friendly names, by Visibility. */
export const VISIBILITY_KEYS = ['unlogged', 'host_logged', 'guest_visible'] as const;
export type VisibilityKey = (typeof VISIBILITY_KEYS)[number];

/** For traces and reports. */
export const VISIBILITY_NAMES: Record<Visibility, string> = { 0: 'unlogged', 1: 'host-logged', 2: 'guest-visible' };

/** Column-friendly mechanism of each lost outcome; both IOMMU faults are one mechanism. */
export const MECHANISM_OF: Record<Exclude<Outcome, 0>, string> = {
  1: 'p2p',
  2: 'p2p_hole',
  3: 'iommu_fault',
  4: 'msi',
  5: 'sw_msi',
  6: 'firmware',
  7: 'reserved',
  8: 'iommu_fault',
  9: 'rc_limit',
};

/**
 * An IOMMU on x86 with interrupt remapping, which VFIO requires unless the
 * host sets allow_unsafe_interrupts: without it a write to 0xfeexxxxx is a
 * compatibility-format MSI, delivered as an interrupt, and nothing logs it
 * (intel/irq_remapping.c; vfio_iommu_type1.c allow_unsafe_interrupts).
 */
function remapsInterrupts(host: Host): boolean {
  return (host.iommu === 'intel' || host.iommu === 'amd') && host.msiIsolation !== false;
}

/**
 * Who sees a write that `o` swallows, on this host. Only the host's IOMMU and
 * architecture decide it: an `msi` region is an interrupt-remapping fault on
 * x86 and an ITS doorbell on arm64.
 */
export function visibilityOf(o: Exclude<Outcome, 0>, host: Host): Visibility {
  switch (o) {
    // Posted write absorbed by the peer's registers or memory: no completion, no error to anyone.
    case Outcome.peerBar: return Visibility.unlogged;
    // The completer signals Unsupported Request: AER; vfio-pci hands it to QEMU, which stops the VM
    // (qemu/qemu:hw/vfio/pci.c vfio_err_notifier_handler). The Intel switch incident ended in AER and a hot reset.
    case Outcome.peerHole: return Visibility.guestVisible;
    // torvalds/linux:drivers/iommu/intel/dmar.c (dmar_fault_do_one "Access beyond MGAW"); amd/iommu.c IO_PAGE_FAULT; arm-smmu-v3 event queue.
    case Outcome.faultAperture: return Visibility.hostLogged;
    // x86: decoded as an interrupt request and faulted by the remapping unit, logged
    // (torvalds/linux:drivers/iommu/intel/dmar.c irq_remap_fault_reasons[], dmar_fault_do_one "[INTR-REMAP]";
    // compatibility format is blocked, intel/irq_remapping.c iommu_enable_irq_remapping; data that happens to
    // name one of the device's own live IRTEs would be a spurious interrupt instead, taken as negligible;
    // AMD IRTEs are indexed by the MSI data, drivers/iommu/amd/iommu.c irq_remapping_prepare_irte; a bad index is an
    // IO_PAGE_FAULT event with the I flag, logged by amd_iommu_report_page_fault).
    // arm64 ITS frame: a GITS_TRANSLATER write whose EventID maps nothing is dropped, nothing logs it
    // (qemu/qemu:hw/intc/arm_gicv3_its.c process_its_cmd, the architecture's behaviour; no Linux handler).
    // RISC-V IMSIC range (irqbypass RFC v2 <20250920203851.2205115-25-ajones@ventanamicro.com>): a write there
    // goes through the MSI table to an interrupt file; assumed unlogged like the ITS (per-PTE faults not modelled).
    case Outcome.interruptMsi: return remapsInterrupts(host) ? Visibility.hostLogged : Visibility.unlogged;
    // The SW_MSI doorbell is an ITS (or GICv2m) frame too: unlogged.
    case Outcome.interruptSwMsi: return Visibility.unlogged;
    // Firmware overwrites the guest page; nothing notices (intel/iommu.c, comment above device_is_rmrr_locked).
    case Outcome.firmware: return Visibility.unlogged;
    // AMD HyperTransport: IOMMU events (INVALID_DEVICE_REQUEST) in the host log; a VF failure only through
    // erratum 1155's target aborts, so host-logged is what every write gets
    // (Joao Martins, qemu-devel <20210622154905.30858-1-joao.m.martins@oracle.com>).
    // Elsewhere no source names a log for a RESERVED range: counted unlogged.
    case Outcome.reserved: return host.iommu === 'amd' ? Visibility.hostLogged : Visibility.unlogged;
    // A translation fault: intel/dmar.c dmar_fault_do_one, amd/iommu.c iommu_print_event, arm-smmu-v3 evtq.
    case Outcome.faultUnmapped: return Visibility.hostLogged;
    // Assumption: the IORT field only says how many address bits a device behind the root complex can
    // generate; what a root complex does with a wider address (drops the upper bits, or aborts) is its own,
    // and no source names a log. Eric Auger found it as "not working" above 1ULL << 42 and traced it to
    // dma_mask_bits, not to a fault (<1cbaf3e7-cf88-77f6-4cc4-46dcd60eb649@redhat.com>): counted unlogged.
    case Outcome.rcLimit: return Visibility.unlogged;
  }
}

export function isFault(o: Outcome): boolean {
  return o === Outcome.faultAperture || o === Outcome.faultUnmapped;
}
