// The guest side of a trial: drivers' working sets, the hints the guest has
// heard, DMA phases, and (in exact mode) the probability nothing was lost.
// The trial (trial.ts) owns the VMM and the kernel; this owns what the guest
// believes and does.
import { formatRange, hex } from '../model/addr.js';
import { type Host, findGroup } from '../model/host.js';
import { IntervalSet } from '../model/intervals.js';
import { type DangerMap, buildDangerMap, firmwareAgentRanges, swMsiDoorbellPages } from '../dma/danger-map.js';
import { MECHANISM_OF, OUTCOME_COUNT, OUTCOME_NAMES, type Outcome, VISIBILITY_KEYS, VISIBILITY_NAMES, Visibility, visibilityOf } from '../dma/outcome.js';
import type { MsiSetup } from '../kernel/types.js';
import type { Rng } from '../guest/rng.js';
import { type DmaTally, type Hit, WorkingSet, newTally } from '../guest/working-set.js';
import { type Placement, placementFor } from '../guest/placement/build.js';
import { alignmentPages } from '../guest/alignment.js';
import type { GuestArch } from '../guest/placement/profile.js';
import { AnalyticSet, type LossProbabilities } from '../guest/analytic-set.js';
import type { Routed } from './hint-route.js';
import { channelLabel } from '../guest/channels/channel.js';
import type { DeviceSpec, GuestProfile, Scenario, TimelineEvent } from '../scenario/types.js';
import type { Trace } from './trace.js';
import { MECHANISMS, type Mechanism, type TrialMetrics, type VisibilityKey } from './result.js';

export interface GuestContext {
  readonly scenario: Scenario;
  readonly profile: GuestProfile;
  readonly rng: Rng;
  readonly trace: Trace;
  /** Trace each buffer placed over a danger range (explain). */
  readonly witness: boolean;
  /** Exact mode: working sets are densities (analytic-set.ts), not samples. */
  readonly exact: boolean;
  host(): Host;
  mappedFor(group: number): IntervalSet;
  /** How the group's MSIs reach their doorbell, as its container's kernel decided. */
  msiFor(group: number): MsiSetup;
  /** Guest RAM less what the machine's firmware tables reserve. */
  ram(): IntervalSet;
  /** Why the host kernel gives this group's devices no MSIs at all (model/kernel-versions.ts), if it does not. */
  msiUnavailable?(group: number): string | undefined;
  /** The kernel maps the group's doorbell pages as its MSIs are set up (Container.mapDoorbells). */
  mapDoorbells?(group: number, pages: IntervalSet): void;
  /** Exact mode: every working-set step, for engine/loss-replay.ts to replay under other workloads. */
  readonly tape?: TapeStep[] | undefined;
}

/**
 * What an exact path does to the working sets, without the workload: where
 * each placement drew from, and the danger map and operations of each phase.
 * The workload reaches nothing else (sensitivity.ts), so one tape per path
 * serves every workload variant.
 */
export type TapeStep =
  | { readonly op: 'probe' | 'dma'; readonly name: string; readonly usable: IntervalSet; readonly boot: IntervalSet | undefined; readonly map?: DangerMap; readonly operations?: number; readonly rounds?: number; readonly churn?: number }
  | { readonly op: 'retire'; readonly name: string };

interface ActiveDevice {
  readonly spec: DeviceSpec;
  readonly set: WorkingSet | AnalyticSet;
}

export class Guest {
  readonly tally: DmaTally = newTally();
  msiSetupFailures = 0;
  /** Every range the VMM told the guest about, heard or not (the RAM cost). */
  toldGuest = IntervalSet.EMPTY;
  /** What the guest heard and honours: it shapes every allocation from then on, never one already made. */
  private firmwareHints = IntervalSet.EMPTY;
  private runtimeHints = IntervalSet.EMPTY;
  /** IOVA a vIOMMU guest's driver keeps off (virtio-iommu reserved entries): not a RAM cost. */
  iovaAvoided = IntervalSet.EMPTY;
  /** RAM usable when the guest last booted: where boot-time reservations (the CMA area) were made. */
  private bootUsable: IntervalSet | undefined;
  /** The channels that carried a hint in this trial (labels: a hypothetical one says so), and refusals. */
  readonly hintsVia = new Set<string>();
  hintRefusals = 0;
  private devices = new Map<string, ActiveDevice>();
  private survivalOfRetired = { data: 1, silent: 1 };
  /** Guest RAM mapped over a live firmware DIRECT range, at the worst moment so far. */
  firmwareExposedBytes = 0n;
  /**
   * Exact mode (engine/exact.ts): the RAM every placement drew from, and
   * whether a DMA phase met a danger range inside any of it. Every profile
   * places within `usable` (guest/placement/*.ts), so a buffer of any
   * workload lies in that RAM.
   */
  readonly reach = { danger: false, placedFrom: [] as Array<{ usable: IntervalSet; boot: IntervalSet | undefined }>, placedUnion: IntervalSet.EMPTY };

  constructor(private readonly c: GuestContext) {}

  has(name: string): boolean {
    return this.devices.has(name);
  }

  activeGroups(): number[] {
    return [...new Set([...this.devices.values()].map((d) => d.spec.group))];
  }

  /** The driver probes: it allocates its working set from RAM it believes usable. */
  probe(spec: DeviceSpec, step: number): void {
    const pages = Number(spec.workload.bufferBytes / 4096n);
    const align = alignmentPages(pages, spec.workload.alignment);
    const set = this.c.exact
      ? new AnalyticSet(spec.workload.buffers, pages, align)
      : new WorkingSet(spec.workload.buffers, pages, align, this.c.witness ? this.witness(spec) : undefined);
    this.devices.set(spec.name, { spec, set });
    const noMsi = this.c.msiUnavailable?.(spec.group);
    const msi = this.c.msiFor(spec.group);
    if (noMsi) {
      this.msiSetupFailures++;
      this.c.trace('kernel', `${spec.name}: ${noMsi}: the device gets no MSIs`);
    } else if (msi.kind === 'no-cookie') {
      this.msiSetupFailures++;
      this.c.trace('kernel', `${spec.name}: ${msi.reason}: its MSIs fault`);
    } else if (!this.c.mappedFor(spec.group).intersect(this.doorbellPages(spec.group)).isEmpty) {
      this.msiSetupFailures++;
      this.c.trace('kernel', `${spec.name}: SW_MSI doorbell IOVA already mapped by userspace: MSI setup fails`);
    } else if (msi.kind === 'doorbell') {
      this.c.mapDoorbells?.(spec.group, this.doorbellPages(spec.group));
    }
    const before = this.tally.dangerousPlacements;
    const place = this.placement(spec);
    this.c.tape?.push({ op: 'probe', name: spec.name, usable: this.usable(), boot: this.bootUsable });
    const ok = set.allocate(this.c.rng.fork(`place/${spec.name}/${step}`), place, this.dangerMapFor(spec), this.tally);
    if (!ok) throw new Error(`device ${spec.name}: no guest RAM range fits a ${hex(spec.workload.bufferBytes)}-byte buffer`);
    this.c.trace('guest', `${spec.name} probed: ${spec.workload.buffers} buffers, ${this.tally.dangerousPlacements - before} over a dangerous range`);
  }

  /** The device goes (unplug, or before a re-probe); in exact mode its survival is kept. */
  retire(name: string): DeviceSpec | undefined {
    const dev = this.devices.get(name);
    if (!dev) return undefined;
    if (dev.set instanceof AnalyticSet) this.survivalOfRetired = times(this.survivalOfRetired, dev.set.survival());
    this.c.tape?.push({ op: 'retire', name });
    this.devices.delete(name);
    return dev.spec;
  }

  /** Reboot: the VMM's tables at this boot carry every range it has told the guest about. */
  reboot(step: number): void {
    if (this.c.profile.honours.includes('firmware')) this.firmwareHints = this.firmwareHints.union(this.toldGuest);
    this.booted();
    this.c.trace('guest', 'reboot: firmware tables re-read, every driver probes again');
    for (const name of [...this.devices.keys()]) this.probe(this.retire(name)!, step);
  }

  dma(ev: Extract<TimelineEvent, { kind: 'dma' }>, step: number): void {
    for (const name of ev.devices ?? [...this.devices.keys()]) {
      const dev = this.devices.get(name);
      if (!dev) continue;
      const map = this.dangerMapFor(dev.spec);
      dev.set.reclassify(this.c.rng.fork(`reclassify/${name}/${step}`), map);
      const before = { lost: this.tally.lostOps, silent: this.tally.silentOps, fault: this.tally.faultOps };
      const place = this.placement(dev.spec);
      if (this.c.exact && map.classes.some((c) => !c.set.intersect(this.reach.placedUnion).isEmpty)) this.reach.danger = true;
      // A recycling driver (page_pool) re-posts its own pages: its preset's churn replaces the phase's.
      const churn = dev.spec.workload.churn ?? ev.churn;
      this.c.tape?.push({ op: 'dma', name, usable: this.usable(), boot: this.bootUsable, map, operations: ev.operations, rounds: ev.rounds, churn: ev.churn });
      dev.set.runPhase(this.c.rng.fork(`ops/${name}/${step}`), ev.operations, ev.rounds, churn, place, map, this.tally);
      const lost = this.tally.lostOps - before.lost;
      const silent = this.tally.silentOps - before.silent;
      this.c.trace('dma', `${name}: ${ev.operations} ops, ${lost} lost (${silent} unlogged, ${lost - silent} seen), ${this.tally.faultOps - before.fault} faulted`);
    }
  }

  /** The guest boots: boot-time reservations are made from what it may use now (call after the firmware tables). */
  booted(): void {
    this.bootUsable = this.usable();
  }

  /**
   * A hint reaches the guest through its channel (engine/hint-route.ts). A
   * channel that describes RAM (firmware tables, the hypothetical runtime
   * message) reaches only a guest that honours it; one that takes RAM away
   * (a virtio-mem block never plugged, an ejected DIMM) needs no consent.
   */
  tell(route: Routed): void {
    if (route.refused) this.hintRefusals++;
    const via = route.via;
    if (route.decision.action !== 'proceed' || !via) return;
    this.hintsVia.add(channelLabel(via.channel));
    this.toldGuest = this.toldGuest.union(via.taken);
    if (via.iovaAvoided) this.iovaAvoided = this.iovaAvoided.union(via.iovaAvoided);
    const needs = via.channel.guestHonours;
    if (needs && !this.c.profile.honours.includes(needs)) return;
    if (needs === 'firmware') this.firmwareHints = this.firmwareHints.union(via.taken);
    else this.runtimeHints = this.runtimeHints.union(via.taken);
  }

  /** Exact mode: the probability that this path of the scenario loses data, and loses some silently. */
  lossProbability(): LossProbabilities {
    let survival = this.survivalOfRetired;
    for (const d of this.devices.values()) if (d.set instanceof AnalyticSet) survival = times(survival, d.set.survival());
    return { data: 1 - survival.data, silent: 1 - survival.silent };
  }

  /**
   * A firmware agent writes its DIRECT range whatever guest memory is mapped
   * there, DMA buffer or not (torvalds/linux:drivers/iommu/intel/iommu.c,
   * comment above device_is_rmrr_locked: no way to quiesce the device's use
   * of the RMRR space). Kept at its largest over the trial.
   */
  observeFirmwareExposure(): void {
    let exposed = IntervalSet.EMPTY;
    const host = this.c.host();
    for (const g of this.activeGroups()) exposed = exposed.union(firmwareAgentRanges(findGroup(host, g)).intersect(this.c.mappedFor(g)));
    const bytes = exposed.intersect(this.c.ram()).measure();
    if (bytes > this.firmwareExposedBytes) this.firmwareExposedBytes = bytes;
  }

  /** What the trial's DMA lost, by mechanism and by who sees it, and the RAM exposed to firmware. */
  dmaMetrics(): Pick<TrialMetrics, 'lostOps' | 'silentOps' | 'lostBytes' | 'lostBytesBy' | 'lostBytesByVisibility' | 'faultOps' | 'firmwareExposedBytes' | 'dangerousPlacements'> {
    const t = this.tally;
    const lostBytesBy = Object.fromEntries(MECHANISMS.map((m) => [m, 0])) as Record<Mechanism, number>;
    for (let o = 1; o < OUTCOME_COUNT; o++) lostBytesBy[MECHANISM_OF[o as Exclude<Outcome, 0>] as Mechanism] += t.lostBytes[o]!;
    const lostBytesByVisibility = Object.fromEntries(VISIBILITY_KEYS.map((k, v) => [k, t.lostByVisibility[v]!])) as Record<VisibilityKey, number>;
    return {
      lostOps: t.lostOps,
      silentOps: t.silentOps,
      lostBytes: Object.values(lostBytesBy).reduce((a, b) => a + b, 0),
      lostBytesBy,
      lostBytesByVisibility,
      faultOps: t.faultOps,
      firmwareExposedBytes: this.firmwareExposedBytes,
      dangerousPlacements: t.dangerousPlacements,
    };
  }

  /** Where the device's driver puts a fresh buffer, given what the guest believes usable now. */
  private placement(spec: DeviceSpec): Placement {
    if (this.c.exact) {
      this.reach.placedFrom.push({ usable: this.usable(), boot: this.bootUsable });
      this.reach.placedUnion = this.reach.placedUnion.union(this.usable());
    }
    return workloadPlacement(this.usable(), this.bootUsable, spec.workload, guestArch(this.c.scenario));
  }

  /** Where buffers may go; IOVA == GPA, so a vIOMMU guest's avoided IOVAs stand in as avoided buffer addresses. */
  private usable(): IntervalSet {
    return this.c.ram().subtract(this.firmwareHints).subtract(this.runtimeHints).subtract(this.iovaAvoided);
  }

  /** The doorbell pages the kernel maps for the group's devices (none without an MSI cookie). */
  private doorbellPages(group: number): IntervalSet {
    return swMsiDoorbellPages(this.c.msiFor(group), this.c.scenario.vm.swMsiDoorbells);
  }

  private dangerMapFor(spec: DeviceSpec) {
    const host = this.c.host();
    return buildDangerMap({ host, group: findGroup(host, spec.group), mapped: this.c.mappedFor(spec.group), swMsiDoorbells: this.doorbellPages(spec.group) });
  }

  /** Names each buffer placed over a danger range, and what a write to it turns into. */
  private witness(spec: DeviceSpec) {
    return (buffer: number, startPage: number, hit: Hit) => {
      const start = BigInt(startPage) << 12n;
      const size = spec.workload.bufferBytes;
      // Each write to the buffer loses these bytes; who sees it follows the outcome on this host.
      const host = this.c.host();
      const lost = [...hit.bytes.entries()].filter(([, b]) => b > 0).map(([o, b]) => ({ b, o: o as Exclude<Outcome, 0> }));
      const parts = lost.map(({ b, o }) => `${b} bytes ${OUTCOME_NAMES[o]}, ${VISIBILITY_NAMES[visibilityOf(o, host)]}`);
      this.c.trace('guest', `${spec.name} buffer ${buffer} at ${formatRange({ start, last: start + size - 1n })}: ${parts.join('; ')}`, {
        device: spec.name, buffer, start: hex(start), size: hex(size),
        outcome: lost.map(({ b, o }) => `${b} bytes ${OUTCOME_NAMES[o]}`).join(', '),
        visibility: [...new Set(lost.map(({ o }) => VISIBILITY_NAMES[visibilityOf(o, host)]))].join(', '),
        silent: hit.byVisibility[Visibility.unlogged]! > 0,
      });
    };
  }
}

/** Where a driver with workload `w` puts a fresh buffer, from RAM `usable` (and `boot`, where boot-time reservations were made). */
export function workloadPlacement(usable: IntervalSet, boot: IntervalSet | undefined, w: DeviceSpec['workload'], arch: GuestArch): Placement {
  return placementFor(usable, { arch, buffers: w.buffers, pages: Number(w.bufferBytes / 4096n), profile: w.placement, alignment: w.alignment, lowBias: w.lowBias }, boot);
}

/** The guest's architecture, from the machine (virt, OpenVMM's: arm64; q35, pc: x86), or the CPU vendor for explicit layouts. */
export function guestArch(s: Scenario): GuestArch {
  if (s.vm.machine === 'virt' || s.vm.machine === 'openvmm-linux' || s.vm.machine === 'openvmm-uefi') return 'arm64';
  if (s.vm.machine === 'q35' || s.vm.machine === 'pc') return 'x86';
  return s.vm.cpuVendor === 'arm' ? 'arm64' : 'x86';
}

function times(a: LossProbabilities, b: LossProbabilities): LossProbabilities {
  return { data: a.data * b.data, silent: a.silent * b.silent };
}
