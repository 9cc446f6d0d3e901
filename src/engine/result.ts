// A trial's result is data: ok with metrics, or an error captured in place
// (a policy that throws must not take the run down).

import { VISIBILITY_KEYS, type VisibilityKey } from '../dma/outcome.js';

/**
 * How a write was lost (dma/outcome.ts MECHANISM_OF): p2p = into a peer's BAR, p2p_hole = a hole of the switch
 * window, rc_limit = at or above the root complex's DMA address limit.
 */
export type Mechanism = 'msi' | 'sw_msi' | 'p2p' | 'p2p_hole' | 'firmware' | 'reserved' | 'iommu_fault' | 'rc_limit';
export const MECHANISMS: readonly Mechanism[] = ['msi', 'sw_msi', 'p2p', 'p2p_hole', 'firmware', 'reserved', 'iommu_fault', 'rc_limit'];

/** Who sees a lost write: nobody, the host kernel's log, or the device/guest. */
export type { VisibilityKey };
export const VISIBILITIES: readonly VisibilityKey[] = VISIBILITY_KEYS;

export interface TrialMetrics {
  readonly vmStarted: boolean;
  /** Who stopped the VM from starting: the kernel's refusal, the VMM's own check, or QEMU's layout. */
  readonly startFailure: 'kernel' | 'vmm' | 'layout' | undefined;
  readonly hotplugAttempts: number;
  readonly hotplugOk: number;
  readonly hotplugRejectedKernel: number;
  readonly hotplugAbortedVmm: number;
  readonly memHotplugAttempts: number;
  readonly memHotplugOk: number;
  /** Memory hotplugs and migrations the VMM's own check refused (the rest that failed, the kernel did). */
  readonly memHotplugAbortedVmm: number;
  readonly migrationsAbortedVmm: number;
  /** Live migrations attempted, and those that completed (a failure leaves the VM on the source). */
  readonly migrations: number;
  readonly migrationsOk: number;
  readonly reboots: number;
  /** The program that mapped through VFIO in this trial (src/userspace/). */
  readonly userspace: string;
  /**
   * A hash of every kernel call with its result and every policy decision,
   * in order: two policies with equal transcripts in every trial are the
   * same by construction on that scenario.
   */
  readonly transcript: number;
  /** QEMU aborted the running VM (hw_error on a failed runtime RAM map). */
  readonly vmCrashed: boolean;
  /** Kernel calls refused (loud). */
  readonly refusedCalls: number;
  /** Devices left without MSIs because guest RAM was mapped over the SW_MSI doorbell (loud). */
  readonly msiSetupFailures: number;
  /** DMA operations that did not land where the guest believes (data loss, whoever sees it). */
  readonly lostOps: number;
  /** Of those, operations that lost data nothing records (silent loss). */
  readonly silentOps: number;
  readonly lostBytes: number;
  readonly lostBytesBy: Readonly<Record<Mechanism, number>>;
  readonly lostBytesByVisibility: Readonly<Record<VisibilityKey, number>>;
  /** DMA operations that raised an IOMMU translation fault (host-logged; their data is lost too). */
  readonly faultOps: number;
  /**
   * Guest RAM mapped over a live firmware DIRECT range (RMRR, IVMD, RMR), at
   * the trial's worst moment: the firmware agent writes there whatever the
   * guest keeps in it, DMA buffer or not.
   */
  readonly firmwareExposedBytes: bigint;
  readonly dangerousPlacements: number;
  /** Guest RAM the VMM did not map or told the guest to avoid. */
  readonly ramUnusableBytes: bigint;
  /** The hint channels that carried a range to the guest (src/guest/channels/; a hypothetical one labelled so). */
  readonly hintsVia: readonly string[];
  /** Hints the guest refused (an ACPI eject whose block held unmovable pages). */
  readonly hintRefusals: number;
  /** Highest guest-physical RAM address (inclusive). */
  readonly maxGpa: bigint;
  /**
   * Highest guest-physical address the machine uses, RAM or what QEMU puts
   * above it (x86: device memory and the 64-bit PCI hole, pc_max_used_gpa),
   * the address QEMU >= 7.1 checks against phys-bits (1caab5cf86bd).
   */
  readonly maxUsedGpa: bigint;
  /** Bytes of the machine type's standard RAM moved or carved out at creation (engine/portability.ts). */
  readonly guestAbiChangeBytes: bigint;
  /** The same SW_MSI window and valid guest RAM on every host of the pool; undefined: a pool of one host, or no start. */
  readonly migratable: boolean | undefined;
}

/** The event counters of TrialMetrics, all zero: a trial counts up from here. */
export function eventCounters() {
  return {
    hotplugAttempts: 0, hotplugOk: 0, hotplugRejectedKernel: 0, hotplugAbortedVmm: 0,
    memHotplugAttempts: 0, memHotplugOk: 0, memHotplugAbortedVmm: 0,
    migrations: 0, migrationsOk: 0, migrationsAbortedVmm: 0, reboots: 0,
  };
}

/**
 * `policy-error`: the policy threw or returned a decision the engine cannot
 * apply; `error`: anything else that stopped the trial (a scenario the
 * engine cannot play). Both are data: the run goes on.
 */
export type TrialResult =
  | ({ readonly status: 'ok' } & TrialMetrics)
  | { readonly status: 'policy-error' | 'error'; readonly message: string };

/** Raised around every call into policy code. */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
}
