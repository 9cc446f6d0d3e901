// The guest side of a trial: drivers' working sets, the hints the guest has
// heard, DMA phases, and (in exact mode) the probability nothing was lost.
// The trial (trial.ts) owns the VMM and the kernel; this owns what the guest
// believes and does.
import { formatRange, hex } from '../model/addr.js';
import { type Host, findGroup } from '../model/host.js';
import { IntervalSet } from '../model/intervals.js';
import { buildDangerMap, swMsiDoorbellPages } from '../dma/danger-map.js';
import { OUTCOME_NAMES, type Outcome } from '../dma/outcome.js';
import type { Rng } from '../guest/rng.js';
import { type DmaTally, type Hit, WorkingSet, newTally, placementFor } from '../guest/working-set.js';
import { AnalyticSet } from '../guest/analytic-set.js';
import type { Decision } from '../policy.js';
import type { DeviceSpec, GuestProfile, Scenario, TimelineEvent } from '../scenario/types.js';
import type { Trace } from './trace.js';

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
  /** Guest RAM less what the machine's firmware tables reserve. */
  ram(): IntervalSet;
  /** Why the host kernel gives this group's devices no MSIs at all (model/kernel-versions.ts), if it does not. */
  msiUnavailable?(group: number): string | undefined;
}

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
  private devices = new Map<string, ActiveDevice>();
  private survivalOfRetired = 1;

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
    const set = this.c.exact
      ? new AnalyticSet(spec.workload.buffers, pages)
      : new WorkingSet(spec.workload.buffers, pages, this.c.witness ? this.witness(spec) : undefined);
    this.devices.set(spec.name, { spec, set });
    const group = findGroup(this.c.host(), spec.group);
    const noMsi = this.c.msiUnavailable?.(spec.group);
    if (noMsi) {
      this.msiSetupFailures++;
      this.c.trace('kernel', `${spec.name}: ${noMsi}: the device gets no MSIs`);
    } else if (!this.c.mappedFor(spec.group).intersect(swMsiDoorbellPages(group, this.c.scenario.vm.swMsiDoorbells)).isEmpty) {
      this.msiSetupFailures++;
      this.c.trace('kernel', `${spec.name}: SW_MSI doorbell IOVA already mapped by userspace: MSI setup fails`);
    }
    const before = this.tally.dangerousPlacements;
    const ok = set.allocate(this.c.rng.fork(`place/${spec.name}/${step}`), placementFor(this.usable(), pages, spec.workload.lowBias), this.dangerMapFor(spec), this.tally);
    if (!ok) throw new Error(`device ${spec.name}: no guest RAM range fits a ${hex(spec.workload.bufferBytes)}-byte buffer`);
    this.c.trace('guest', `${spec.name} probed: ${spec.workload.buffers} buffers, ${this.tally.dangerousPlacements - before} over a dangerous range`);
  }

  /** The device goes (unplug, or before a re-probe); in exact mode its survival is kept. */
  retire(name: string): DeviceSpec | undefined {
    const dev = this.devices.get(name);
    if (!dev) return undefined;
    if (dev.set instanceof AnalyticSet) this.survivalOfRetired *= dev.set.survival();
    this.devices.delete(name);
    return dev.spec;
  }

  /** Reboot: the VMM's tables at this boot carry every range it has told the guest about. */
  reboot(step: number): void {
    if (this.c.profile.honours.includes('firmware')) this.firmwareHints = this.firmwareHints.union(this.toldGuest);
    this.c.trace('guest', 'reboot: firmware tables re-read, every driver probes again');
    for (const name of [...this.devices.keys()]) this.probe(this.retire(name)!, step);
  }

  dma(ev: Extract<TimelineEvent, { kind: 'dma' }>, step: number): void {
    for (const name of ev.devices ?? [...this.devices.keys()]) {
      const dev = this.devices.get(name);
      if (!dev) continue;
      const map = this.dangerMapFor(dev.spec);
      dev.set.reclassify(this.c.rng.fork(`reclassify/${name}/${step}`), map);
      const before = { lost: this.tally.lostOps, fault: this.tally.faultOps };
      const place = placementFor(this.usable(), dev.set.pages, dev.spec.workload.lowBias);
      dev.set.runPhase(this.c.rng.fork(`ops/${name}/${step}`), ev.operations, ev.rounds, ev.churn, place, map, this.tally);
      this.c.trace('dma', `${name}: ${ev.operations} ops, ${this.tally.lostOps - before.lost} lost silently, ${this.tally.faultOps - before.fault} faulted`);
    }
  }

  /** Hints reach the guest through a channel; a guest that does not honour it never hears. */
  tell(decision: Decision, channel: 'firmware' | 'runtime'): void {
    if (decision.action !== 'proceed' || !decision.tellGuest) return;
    this.toldGuest = this.toldGuest.union(decision.tellGuest);
    if (!this.c.profile.honours.includes(channel)) return;
    if (channel === 'firmware') this.firmwareHints = this.firmwareHints.union(decision.tellGuest);
    else this.runtimeHints = this.runtimeHints.union(decision.tellGuest);
  }

  /** Exact mode: the probability that this path of the scenario loses data silently. */
  lossProbability(): number {
    let survival = this.survivalOfRetired;
    for (const d of this.devices.values()) if (d.set instanceof AnalyticSet) survival *= d.set.survival();
    return 1 - survival;
  }

  private usable(): IntervalSet {
    return this.c.ram().subtract(this.firmwareHints).subtract(this.runtimeHints);
  }

  private dangerMapFor(spec: DeviceSpec) {
    const host = this.c.host();
    return buildDangerMap({ host, group: findGroup(host, spec.group), mapped: this.c.mappedFor(spec.group), swMsiDoorbells: this.c.scenario.vm.swMsiDoorbells });
  }

  /** Names each buffer placed over a danger range, and what a write to it turns into. */
  private witness(spec: DeviceSpec) {
    return (buffer: number, startPage: number, hit: Hit) => {
      const start = BigInt(startPage) << 12n;
      const size = spec.workload.bufferBytes;
      const parts = [...hit.bytes.entries()].filter(([, b]) => b > 0).map(([o, b]) => `${b} bytes ${OUTCOME_NAMES[o as Outcome]}`);
      this.c.trace('guest', `${spec.name} buffer ${buffer} at ${formatRange({ start, last: start + size - 1n })}: ${parts.join(', ')}`, {
        device: spec.name, buffer, start: hex(start), size: hex(size), outcome: parts.join(', '), silent: hit.silentBytes > 0,
      });
    };
  }
}
