// The policy interface. A policy only decides; the engine owns the kernel,
// the VMM and the guest, applies decisions and enforces invariants. A policy
// sees what its VMM could see: sysfs reserved_regions (from v4.11) and the
// kernel's valid IOVA list (from v5.4); PCI bridge windows only as arm64
// 4.12-4.17 listed them (model/kernel-versions.ts).
import type { Range } from './model/addr.js';
import type { Host } from './model/host.js';
import { IntervalSet } from './model/intervals.js';
import type { KernelEra } from './kernel/types.js';
import type { UserspaceId } from './userspace/types.js';

/** A reserved region as /sys/kernel/iommu_groups/N/reserved_regions prints it. */
export interface SysfsRegion extends Range {
  readonly type: 'direct' | 'direct-relaxable' | 'reserved' | 'msi';
}

export interface HostView {
  readonly platform: string;
  readonly arch: Host['arch'];
  readonly kernel: string;
  /** undefined where the kernel has no reserved_regions file (v4.9). */
  regions(groupId: number): readonly SysfsRegion[] | undefined;
}

/** Every request names the program that makes it (src/userspace/): a check lives in one, or not. */
interface FromUserspace {
  readonly userspace: UserspaceId;
}

export type VmmRequest = FromUserspace & (
  | { readonly phase: 'start'; readonly ram: IntervalSet; readonly groups: readonly number[] }
  | { readonly phase: 'hotplug'; readonly ram: IntervalSet; readonly group: number; readonly attached: readonly number[] }
  | { readonly phase: 'migrate'; readonly ram: IntervalSet; readonly groups: readonly number[] }
  | {
      readonly phase: 'memory-hotplug';
      readonly ram: IntervalSet;
      readonly added: Range;
      readonly kind: 'pc-dimm' | 'virtio-mem';
      readonly attached: readonly number[];
      /** The kernel's valid IOVA list (VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, ≥ 5.4), when it reports one. */
      readonly valid?: IntervalSet;
    });

export type Decision =
  | {
      readonly action: 'proceed';
      /** Guest RAM the VMM leaves out of VFIO_IOMMU_MAP_DMA (it splits the map). */
      readonly mapAround?: IntervalSet;
      /** Guest RAM the VMM tells the guest never to use for DMA. */
      readonly tellGuest?: IntervalSet;
      /**
       * Which hint channels (src/guest/channels/) may carry tellGuest:
       * `existing` (default `any`) makes the engine abort the request when
       * no channel that exists reaches the guest, or the guest refuses it;
       * `any` falls back to the hypothetical runtime message;
       * `virtio-iommu-resv-mem` uses that channel alone and, where it does
       * not reach the guest, maps as if nothing were told (the kernel decides);
       * `iort-rmr` likewise, for the RMR nodes of an accelerated SMMUv3.
       */
      readonly tellVia?: 'existing' | 'any' | 'virtio-iommu-resv-mem' | 'iort-rmr';
    }
  | { readonly action: 'abort'; readonly reason: string };

export interface LayoutRequest {
  readonly ram: IntervalSet;
  /**
   * Every host the VM may run on (the first is where it starts), each with
   * the groups the VM starts with or may hotplug or carry there.
   */
  readonly plan: readonly { readonly view: HostView; readonly groups: readonly number[] }[];
  /** The groups present at creation (cold-plugged), on the first host of the plan. */
  readonly coldGroups: readonly number[];
  /**
   * What the VMM knows at creation: the first host with the cold-plugged
   * groups plus the scenario's `declared_at_creation` devices, and each
   * declared destination with the same groups. A subset of `plan`.
   */
  readonly declared: readonly { readonly view: HostView; readonly groups: readonly number[] }[];
}

export interface PolicyInstance {
  readonly id: string;
  readonly name: string;
  kernel(host: HostView): KernelEra;
  /** Ranges to describe as reserved in the guest's firmware tables and lay RAM around. */
  reserveAtCreation?(req: LayoutRequest): IntervalSet;
  decide(req: VmmRequest, view: HostView): Decision;
  /**
   * Whether QEMU lays x86 RAM out without the AMD 1 TiB relocation, given
   * what it knows at creation (LayoutRequest.declared; vmm/layout.ts
   * skipAmdHtRelocation). Absent: QEMU as released.
   */
  skipsAmdHtRelocation?(declared: LayoutRequest['declared']): boolean;
  /** A what-if reason that holds for these parameters only (a variant of a position that shipped). */
  readonly counterfactual?: string;
  /**
   * The kernel picks the SW_MSI window per host when the default collides
   * with a platform region (Shyam Saini, "arm-smmu: select suitable MSI
   * IOVA" v4; engine/msi-window.ts kernelMovedWindow).
   */
  readonly kernelMovesMsiWindow?: boolean;
  /**
   * The kernel reports the IOVAs above a root complex's DMA limit as a
   * RESERVED region (Eric Auger's RFC, not merged; kernel/dma-limit.ts).
   */
  readonly kernelReportsDmaLimit?: boolean;
  /**
   * The VMM's SW_MSI window for every assigned device, set with
   * IOMMU_OPTION_SW_MSI_START/SIZE before attach (Nicolin Chen, v2); the
   * engine applies it as the kernel would (kernel/sw-msi-option.ts).
   * Called once at creation with the guest layout; undefined keeps the
   * kernel's default.
   */
  msiWindow?(req: LayoutRequest): Range | undefined;
  /**
   * The vIOMMU QEMU gives a guest with vm.viommu: absent, a virtio-iommu;
   * 'smmuv3-nested', an accelerated SMMUv3 (vmm/nested-smmuv3.ts), whose
   * QEMU blocks migration.
   */
  readonly vIommu?: 'smmuv3-nested';
}

export interface ParamSpec {
  readonly values: readonly string[];
  readonly default: string;
  readonly doc: string;
}

export interface PolicyDefinition<P extends Record<string, string> = Record<string, string>> {
  readonly name: string;
  /** The position, in one line. */
  readonly position: string;
  /** Who proposed it. */
  readonly heldBy: string;
  /** Who argued against it in the thread or since ('' if nobody did). */
  readonly arguedAgainstBy?: string;
  /** 'merged in X', 'proposed, <Message-ID>', 'never implemented' or 'counterfactual'. */
  readonly status?: string;
  /** The year the position was proposed (or shipped), shown beside the status. */
  readonly year?: number;
  /** Mail, commit or code the rule comes from. */
  readonly source: string;
  /**
   * '' when the position shipped as modelled (some kernel and QEMU did
   * exactly this); otherwise why it is a what-if. Every row of a what-if
   * policy is labelled counterfactual with this reason; so is every row of
   * a module that leaves it out (UNDECLARED_STATUS).
   */
  readonly counterfactual?: string;
  readonly params: { readonly [K in keyof P]: ParamSpec };
  create(params: P): Omit<PolicyInstance, 'id' | 'name'>;
}

export function definePolicy<P extends Record<string, string>>(def: PolicyDefinition<P>): PolicyDefinition<P> {
  return def;
}

export const PROCEED: Decision = Object.freeze({ action: 'proceed' });

/** The label of a policy whose definition does not say whether it shipped. */
export const UNDECLARED_STATUS = 'a policy module that does not declare whether it shipped (its counterfactual field)';

/** The policy's own what-if reason: '' for a position that shipped. */
export function policyStatus(def: Pick<PolicyDefinition, 'counterfactual'>): string {
  return def.counterfactual ?? UNDECLARED_STATUS;
}

/** Non-relaxable regions of the given groups, as the VMM reads them from sysfs. */
export function visibleConflicts(view: HostView, groups: readonly number[]): IntervalSet | undefined {
  let out = IntervalSet.EMPTY;
  for (const g of groups) {
    const regions = view.regions(g);
    if (!regions) return undefined;
    out = out.union(IntervalSet.from(regions.filter((r) => r.type !== 'direct-relaxable')));
  }
  return out;
}

/** Guest RAM that would sit over a reserved region of `groups`. */
export function ramConflicts(view: HostView, ram: IntervalSet, groups: readonly number[]): IntervalSet {
  return ram.intersect(visibleConflicts(view, groups) ?? IntervalSet.EMPTY);
}

/** The groups whose regions a request puts at stake. */
export function groupsAtStake(req: VmmRequest): readonly number[] {
  switch (req.phase) {
    case 'start':
    case 'migrate':
      return req.groups;
    case 'hotplug':
      return [req.group];
    case 'memory-hotplug':
      return req.attached;
  }
}

/** RAM a request adds or keeps mapped for those groups. */
export function ramAtStake(req: VmmRequest): IntervalSet {
  return req.phase === 'memory-hotplug' ? IntervalSet.of(req.added) : req.ram;
}

// For policy modules of users' own (`import { ... } from 'doorbell/policy'`).
export { IntervalSet } from './model/intervals.js';
export { formatRange, hex } from './model/addr.js';
