// A scenario after validation: every address a bigint, every default filled.
import type { Alignment } from '../guest/alignment.js';
import type { Host } from '../model/host.js';
import type { CpuModel, LayoutRequest } from '../vmm/layout.js';
import type { UserspaceId } from '../userspace/types.js';

/** The guest machine: QEMU's layout inputs, and the doorbells the kernel maps for it. */
export interface VmSpec extends Omit<LayoutRequest, 'physBits' | 'hotplugMemory'> {
  /** -cpu: with the host's phys-bits, decides the guest's (vmm/layout.ts guestPhysBits). */
  readonly cpuModel: CpuModel;
  /** -cpu ...,phys-bits=N, when given. */
  readonly physBits?: number;
  /** A VGA-compatible display device claims the legacy window 0xa0000-0xbffff (vmm/listener.ts). */
  readonly vga: boolean;
  /** The assigned devices sit behind a virtio-iommu: the guest's DMA uses IOVAs it allocates (guest/channels/virtio-iommu.ts). */
  readonly viommu: boolean;
  readonly swMsiDoorbells: number;
}

/** Hint channels a guest OS may honour: boot firmware tables, or a runtime message (hypothetical: src/guest/channels/runtime-message.ts). */
export type HintChannel = 'firmware' | 'runtime';

export interface GuestProfile {
  readonly name: string;
  readonly weight: number;
  readonly honours: readonly HintChannel[];
}

/** One userspace of the scenario's fleet (`vmm:` is a fleet of one). */
export interface FleetMember {
  readonly userspace: UserspaceId;
  readonly weight: number;
}

export interface Workload {
  readonly buffers: number;
  readonly bufferBytes: bigint;
  /** Probability a buffer is allocated below 4 GiB. */
  readonly lowBias: number;
  /** Placement profile by name (guest/placement/registry.ts). */
  readonly placement: string;
  /** Natural (buddy/CMA) or page (page_frag, slab) alignment of buffer starts. */
  readonly alignment: Alignment;
  /** The driver preset the numbers came from (guest/presets.ts), if any. */
  readonly preset?: string;
  /** Share re-drawn between rounds in place of each DMA phase's churn (a page_pool recycles: 0). */
  readonly churn?: number;
}

export interface DeviceSpec {
  readonly name: string;
  readonly group: number;
  readonly workload: Workload;
}

/** Probability an event happens in a trial (1: always). Drawn per trial, the same under every policy. */
interface Chance {
  readonly chance: number;
}

export interface Destination {
  readonly host: Host;
  readonly file: string;
  readonly weight: number;
}

export type TimelineEvent =
  | { readonly kind: 'start'; readonly devices: readonly string[] }
  | ({ readonly kind: 'hotplug'; readonly pool: readonly { readonly device: string; readonly weight: number }[] } & Chance)
  | ({ readonly kind: 'unplug'; readonly device: string } & Chance)
  | ({ readonly kind: 'memory-hotplug'; readonly memKind: 'pc-dimm' | 'virtio-mem'; readonly size: bigint; readonly at?: bigint } & Chance)
  | { readonly kind: 'dma'; readonly operations: number; readonly rounds: number; readonly churn: number; readonly devices?: readonly string[] }
  | ({ readonly kind: 'migrate'; readonly pool: readonly Destination[] } & Chance)
  | ({ readonly kind: 'reboot' } & Chance);

/** A file the scenario read, for the run fingerprint. */
export interface SourceFileInfo {
  readonly file: string;
  readonly sha256: string;
}

/**
 * What the VMM is told when the VM is created beyond the cold-plugged
 * devices: devices a later hotplug may add, and migration destinations
 * (their host files, as the migrate events name them). A planner with a
 * realistic horizon (firmware-reserved-hotplug:horizon=creation) reserves
 * for these and nothing else.
 */
export interface DeclaredAtCreation {
  readonly devices: readonly string[];
  readonly hosts: readonly string[];
}

export interface Scenario {
  readonly name: string;
  readonly title: string;
  readonly source: string;
  readonly description: string;
  /** Why what the scenario describes never happened as such (a constructed layout or host); absent when it did. */
  readonly counterfactual?: string;
  /** Path as given, and SHA-256 of the file's bytes (run.json fingerprint). */
  readonly file: string;
  readonly sha256: string;
  readonly host: Host;
  /** The host file, when the host is not written inline. */
  readonly hostFile?: string;
  /** Every file read: the scenario, its host files, migration destinations. */
  readonly files: readonly SourceFileInfo[];
  readonly vm: VmSpec;
  readonly guests: readonly GuestProfile[];
  /** The programs mapping through VFIO, drawn per trial like `guests` (default: QEMU alone). */
  readonly vmms: readonly FleetMember[];
  readonly devices: readonly DeviceSpec[];
  readonly timeline: readonly TimelineEvent[];
  /** `declared_at_creation:`; default: nothing beyond the cold-plugged devices. */
  readonly declaredAtCreation: DeclaredAtCreation;
}
