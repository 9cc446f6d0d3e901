// How a VMM can keep a guest's DMA off some of its RAM. No Linux interface
// lets a VMM tell an IOVA == GPA guest at runtime "do not DMA here"; the
// channels that exist either describe RAM at boot or take it away. Each
// channel is one file with its sources; a channel that no VMM and no guest
// implement is `hypothetical` and labelled so wherever it appears.
import type { Range } from '../../model/addr.js';
import type { IntervalSet } from '../../model/intervals.js';
import type { NestedSmmuv3 } from '../../vmm/nested-smmuv3.js';

export type ChannelStatus = 'exists' | 'hypothetical';

/** What the VMM wants the guest to stay off, and what it knows of the guest's RAM at that moment. */
export interface ChannelRequest {
  readonly phase: 'start' | 'hotplug' | 'memory-hotplug' | 'migrate';
  /** Guest RAM the guest must not DMA into. */
  readonly ranges: IntervalSet;
  /** The memory device being added (memory-hotplug only). */
  readonly added?: { readonly range: Range; readonly kind: 'pc-dimm' | 'virtio-mem' };
  /** pc-dimm devices already plugged: the only RAM QEMU can eject. */
  readonly dimms: readonly Range[];
  /** The guest reaches the device through a virtio-iommu (IOVA != GPA); false for every guest doorbell models today. */
  readonly vIommu: boolean;
  /** QEMU version (a.b) of the VMM. */
  readonly qemu: string;
  /** Set when the policy gives a vIOMMU guest an accelerated (nested) SMMUv3 instead of a virtio-iommu (vmm/nested-smmuv3.ts). */
  readonly nestedSmmuv3?: NestedSmmuv3;
}

/** What the channel takes from the guest to keep it off the ranges. */
export interface ChannelOffer {
  /** Guest RAM the guest no longer uses: the ranges, widened to what the channel can express. */
  readonly taken: IntervalSet;
  /** Chance the guest refuses (a block it cannot offline): the VMM then learns it could not tell the guest. */
  readonly failChance: number;
  /** Why it may fail, for the trace. */
  readonly failure?: string;
  /**
   * IOVA the guest's own IOMMU driver keeps off (a vIOMMU guest): its RAM
   * stays usable, its DMA reaches it through other IOVAs.
   */
  readonly iovaAvoided?: IntervalSet;
}

export interface HintChannel {
  readonly name: string;
  readonly status: ChannelStatus;
  readonly sources: readonly string[];
  /** What the model takes for granted about it, as the report states it. */
  readonly assumption: string;
  /** Which guest setting must be on for it to reach the guest (guests: honours:), if any: RAM taken away needs none. */
  readonly guestHonours?: 'firmware' | 'runtime';
  /** Used only by a decision that names it (tellVia): it needs a device only that policy gives the VM. */
  readonly namedOnly?: boolean;
  /** What it takes, or why it cannot carry these ranges now. */
  offer(req: ChannelRequest): ChannelOffer | string;
}

/** The channel's name as every output shows it: a hypothetical channel says so. */
export function channelLabel(c: Pick<HintChannel, 'name' | 'status'>): string {
  return c.status === 'hypothetical' ? `${c.name} (hypothetical)` : c.name;
}
