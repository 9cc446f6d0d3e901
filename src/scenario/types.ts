// A scenario after validation: every address a bigint, every default filled.
import type { Range } from '../model/addr.js';
import type { Host } from '../model/host.js';
import type { MachineType } from '../vmm/layout.js';

export interface VmSpec {
  readonly machine: MachineType;
  readonly ram: bigint;
  readonly qemu: string;
  readonly cpuVendor: 'amd' | 'intel' | 'arm';
  readonly physBits: number;
  readonly pciHole64?: bigint;
  readonly ranges?: readonly Range[];
  readonly swMsiDoorbells: number;
}

/** Hint channels a guest OS may honour: boot firmware tables, or a runtime paravirt message. */
export type HintChannel = 'firmware' | 'runtime';

export interface GuestProfile {
  readonly name: string;
  readonly weight: number;
  readonly honours: readonly HintChannel[];
}

export interface Workload {
  readonly buffers: number;
  readonly bufferBytes: bigint;
  /** Probability a buffer is allocated below 4 GiB. */
  readonly lowBias: number;
}

export interface DeviceSpec {
  readonly name: string;
  readonly group: number;
  readonly workload: Workload;
}

export type TimelineEvent =
  | { readonly kind: 'start'; readonly devices: readonly string[] }
  | { readonly kind: 'hotplug'; readonly device: string }
  | { readonly kind: 'unplug'; readonly device: string }
  | { readonly kind: 'memory-hotplug'; readonly memKind: 'pc-dimm' | 'virtio-mem'; readonly size: bigint; readonly at?: bigint }
  | { readonly kind: 'dma'; readonly operations: number; readonly rounds: number; readonly churn: number; readonly devices?: readonly string[] };

export interface Scenario {
  readonly name: string;
  readonly title: string;
  readonly source: string;
  readonly description: string;
  /** Path as given, and SHA-256 of the file's bytes (run.json fingerprint). */
  readonly file: string;
  readonly sha256: string;
  readonly host: Host;
  readonly vm: VmSpec;
  readonly guests: readonly GuestProfile[];
  readonly devices: readonly DeviceSpec[];
  readonly timeline: readonly TimelineEvent[];
}
