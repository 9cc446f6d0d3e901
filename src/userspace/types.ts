// A userspace is the program that maps memory through VFIO: a VMM mapping
// guest RAM at IOVA = GPA, or a userspace driver mapping its own buffers.
// The engine owns the kernel, the containers and the guest; a userspace
// module only says how its program reacts to what the kernel answers.
import type { Errno } from '../kernel/types.js';
import type { MachineType } from '../vmm/layout.js';

export const USERSPACE_IDS = ['qemu', 'cloud-hypervisor', 'crosvm', 'openvmm', 'dpdk', 'spdk'] as const;
export type UserspaceId = (typeof USERSPACE_IDS)[number];

/** Where a refused VFIO call happens. */
export type UserspacePhase = 'start' | 'hotplug' | 'memory-hotplug';

/**
 * - `no-start`: the program exits; the VM (or the driver) never runs;
 * - `fail-clean`: the operation fails, the program keeps running;
 * - `crash`: the running program aborts (QEMU's hw_error);
 * - `treat-as-mapped`: it carries on as if the map had succeeded, so the
 *   device DMAs into IOVA the kernel never mapped.
 */
export type Reaction = 'no-start' | 'fail-clean' | 'crash' | 'treat-as-mapped';

export interface Userspace {
  readonly id: UserspaceId;
  /** One line: what it is and where its VFIO code lives. */
  readonly title: string;
  /** A VMM maps guest RAM (IOVA = GPA); a driver maps its process memory. */
  readonly kind: 'vmm' | 'driver';
  /** IOVAs it maps: guest-physical addresses, or process virtual addresses (IOVA-as-VA). */
  readonly iova: 'gpa' | 'process-va';
  /** Whether it reads the kernel's valid IOVA ranges, and what it uses them for ('' if it does not). */
  readonly readsValidRanges: string;
  /** How it reacts when the kernel refuses an attach or a map in `phase`. */
  onRefusal(phase: UserspacePhase, errno: Errno): Reaction;
  /**
   * false: after every assigned device is unplugged, a new hotplug's
   * container gets no RAM mapped (cloud-hypervisor issue #7328).
   */
  readonly remapsAfterLastUnplug: boolean;
  /** false: it cannot hot-add memory next to an assigned device; the event does nothing. */
  readonly memoryHotplug: boolean;
  /** false: it cannot migrate with an assigned device; a migration is refused by the program. */
  readonly migratesWithVfio: boolean;
  /**
   * The guest machines it builds, for a VMM that lays out guest RAM itself
   * (OpenVMM); undefined: the scenario's QEMU-style machine (virt, q35, pc,
   * explicit), which such a machine-specific layout never accepts.
   */
  readonly machines?: readonly MachineType[];
  /**
   * true: every group joins one container and a group the kernel refuses to
   * attach fails (crosvm); otherwise a refused group is retried in a new
   * container, which maps guest RAM itself (QEMU's vfio_connect_container).
   */
  readonly oneContainer?: boolean;
}
