// One trial: a scenario's timeline played under one policy with one seed.
// The engine owns the kernel, QEMU and the guest; the policy only decides.
import { type Range, formatRange, hex } from '../model/addr.js';
import { type Host, findGroup } from '../model/host.js';
import { IntervalSet } from '../model/intervals.js';
import { buildDangerMap, swMsiDoorbellPages } from '../dma/danger-map.js';
import { MECHANISM_KEYS, OUTCOME_NAMES, type Outcome, SILENT_MECHANISMS } from '../dma/outcome.js';
import { Rng } from '../guest/rng.js';
import { type DmaTally, type Hit, WorkingSet, newTally, placementFor } from '../guest/working-set.js';
import { AnalyticSet } from '../guest/analytic-set.js';
import { Containers } from '../vmm/containers.js';
import { layOutAround, layoutFor, roundOut } from '../vmm/layout.js';
import type { Decision, HostView, PolicyInstance, VmmRequest } from '../policy.js';
import type { DeviceSpec, GuestProfile, Scenario, TimelineEvent } from '../scenario/types.js';
import { drawWeighted, hostFor, nextDeviceMemory } from './host-view.js';
import { type Mechanism, PolicyError, type TrialMetrics, type TrialResult } from './result.js';
import { NO_TRACE, type Trace } from './trace.js';

export interface TrialInput {
  readonly scenario: Scenario;
  readonly policy: PolicyInstance;
  readonly seed: string;
  readonly trial: number;
  readonly trace?: Trace;
  /**
   * Exact mode (see exact.ts): the scenario's discrete draws are made by this
   * chooser instead of the RNG, and working sets are densities, not samples.
   */
  readonly choose?: (key: string, weights: readonly number[]) => number;
}

export function runTrial(input: TrialInput): TrialResult {
  try {
    return { status: 'ok', ...new TrialRun(input).run() };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return { status: e instanceof PolicyError ? 'policy-error' : 'error', message };
  }
}

/** Calls into policy code: whatever goes wrong there is the policy's error. */
function policyCall<T>(policy: PolicyInstance, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new PolicyError(`policy ${policy.id}: ${what} threw: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Common random numbers: the key omits the policy, so trial k draws alike under every policy. */
export function trialKey(seed: string, scenario: string, trial: number): string {
  return `doorbell/${seed}/${scenario}/${trial}`;
}

type Ev<K extends TimelineEvent['kind']> = Extract<TimelineEvent, { kind: K }>;

interface ActiveDevice {
  readonly spec: DeviceSpec;
  readonly set: WorkingSet | AnalyticSet;
}

export class TrialRun {
  private readonly s: Scenario;
  private readonly policy: PolicyInstance;
  private readonly trace: Trace;
  private readonly rng: Rng;
  private readonly guest: GuestProfile;
  private host: Host;
  private view: HostView;
  private vfio: Containers;
  private ram = IntervalSet.EMPTY;
  private sections: Range[] = [];
  private firmwareReserved = IntervalSet.EMPTY;
  /** What the guest heard and honours: it shapes every allocation from then on, never one already made. */
  private firmwareHints = IntervalSet.EMPTY;
  private runtimeHints = IntervalSet.EMPTY;
  private unmappedByVmm = IntervalSet.EMPTY;
  private toldGuest = IntervalSet.EMPTY;
  private devices = new Map<string, ActiveDevice>();
  private tally: DmaTally = newTally();
  private step = 0;
  private refusals = 0;
  private readonly choose: TrialInput['choose'];
  /** Exact mode: probability that the devices retired so far lost nothing. */
  private survivalOfRetired = 1;
  private m = {
    hotplugAttempts: 0, hotplugOk: 0, hotplugRejectedKernel: 0, hotplugAbortedVmm: 0,
    memHotplugAttempts: 0, memHotplugOk: 0, memHotplugAbortedVmm: 0, msiSetupFailures: 0,
    migrations: 0, migrationsOk: 0, migrationsAbortedVmm: 0, reboots: 0,
  };

  constructor(input: TrialInput) {
    this.s = input.scenario;
    this.policy = input.policy;
    this.trace = input.trace ?? NO_TRACE;
    this.rng = new Rng(trialKey(input.seed, this.s.name, input.trial));
    this.host = this.s.host;
    const { kernel, view } = hostFor(this.policy, this.host);
    this.view = view;
    this.vfio = new Containers(kernel, this.trace);
    this.choose = input.choose;
    const weights = this.s.guests.map((g) => g.weight);
    this.guest = this.s.guests[this.choose ? this.choose('guest', weights) : drawWeighted(this.rng.fork('guest'), weights)]!;
    this.trace('policy', `${this.policy.id}: kernel ${kernel.era} on ${this.host.platform}; guest '${this.guest.name}' honours [${this.guest.honours.join(', ')}]`);
  }

  run(): TrialMetrics {
    const started = this.start(this.s.timeline[0] as Ev<'start'>);
    let crashed = false;
    for (const [i, ev] of this.s.timeline.entries()) {
      if (i === 0 || started !== undefined || crashed) continue;
      this.step = i;
      // Declared randomness: one stream per event, so every policy sees the same draws.
      const draw = this.rng.fork(`event/${i}`);
      const pick = (weights: readonly number[]) => (this.choose ? this.choose(`pool/${i}`, weights) : drawWeighted(draw, weights));
      if ('chance' in ev && ev.chance < 1) {
        const happens = this.choose ? this.choose(`chance/${i}`, [ev.chance, 1 - ev.chance]) === 0 : draw.float() < ev.chance;
        if (!happens) {
          this.trace('vmm', `event ${i} (${ev.kind}) does not happen in this trial`);
          continue;
        }
      }
      if (ev.kind === 'hotplug') this.hotplug(ev.pool[pick(ev.pool.map((p) => p.weight))]!.device);
      else if (ev.kind === 'unplug') this.unplug(ev.device);
      else if (ev.kind === 'memory-hotplug') crashed = this.memoryHotplug(ev);
      else if (ev.kind === 'dma') this.dma(ev);
      else if (ev.kind === 'migrate') this.migrate(ev.pool[pick(ev.pool.map((p) => p.weight))]!);
      else if (ev.kind === 'reboot') this.reboot();
    }
    const lostBytesBy = {} as Record<Mechanism, number>;
    for (const o of SILENT_MECHANISMS) lostBytesBy[MECHANISM_KEYS[o] as Mechanism] = this.tally.lostBytes[o]!;
    return {
      vmStarted: started === undefined,
      startFailure: started,
      ...this.m,
      vmCrashed: crashed,
      refusedCalls: this.refusals + this.vfio.refusals,
      lostOps: this.tally.lostOps,
      lostBytes: Object.values(lostBytesBy).reduce((a, b) => a + b, 0),
      lostBytesBy,
      faultOps: this.tally.faultOps,
      dangerousPlacements: this.tally.dangerousPlacements,
      ramUnusableBytes: this.ram.intersect(this.unmappedByVmm.union(this.toldGuest)).measure(),
      maxGpa: this.ram.max() ?? 0n,
    };
  }

  /** VM start: layout, the policy's check, attach + map (hw/vfio/listener.c: a failure here exits QEMU). */
  private start(ev: Ev<'start'>): TrialMetrics['startFailure'] {
    const layout = layoutFor(this.s.vm);
    if (layout.status === 'error') {
      this.trace('vmm', `qemu: ${layout.message}; the VM does not start`);
      return 'layout';
    }
    this.sections = [...layout.sections];
    this.firmwareReserved = IntervalSet.from(layout.firmwareReserved);
    const coldGroups = ev.devices.map((d) => this.device(d).group);
    const plan = this.plan(coldGroups);
    const reserve = policyCall(this.policy, 'reserveAtCreation', () => this.policy.reserveAtCreation?.({ ram: IntervalSet.from(this.sections), plan }));
    if (reserve !== undefined && !(reserve instanceof IntervalSet)) throw new PolicyError(`policy ${this.policy.id}: reserveAtCreation returned ${typeof reserve}, expected an IntervalSet`);
    if (reserve && !reserve.isEmpty) {
      this.sections = layOutAround(this.sections, reserve);
      this.firmwareReserved = this.firmwareReserved.union(roundOut(reserve));
      this.trace('vmm', `firmware tables reserve ${reserve.ranges.map(formatRange).join(' ')}; RAM laid out as ${this.sections.map(formatRange).join(' ')}`);
    }
    this.ram = IntervalSet.from(this.sections);
    const decision = this.decide({ phase: 'start', ram: this.ram, groups: coldGroups });
    if (decision.action === 'abort') {
      this.trace('vmm', `qemu refuses to start: ${decision.reason}`);
      return 'vmm';
    }
    this.applyMapAround(decision);
    for (const d of ev.devices) {
      if (this.vfio.attach(findGroup(this.host, this.device(d).group), this.ramMaps()).status !== 'ok') {
        this.trace('vmm', `qemu: vfio ${d}: failed to setup container; the VM does not start`);
        return 'kernel';
      }
    }
    this.tell(decision, 'firmware');
    for (const d of ev.devices) this.probe(this.device(d));
    return undefined;
  }

  /** device_add: a refusal fails the hotplug cleanly, the VM keeps running. */
  private hotplug(name: string): void {
    const spec = this.device(name);
    this.m.hotplugAttempts++;
    const decision = this.decide({ phase: 'hotplug', ram: this.ram, group: spec.group, attached: this.vfio.attachedGroups() });
    if (decision.action === 'abort') {
      this.m.hotplugAbortedVmm++;
      this.trace('vmm', `device_add ${name}: aborted by the VMM: ${decision.reason}`);
      return;
    }
    this.applyMapAround(decision);
    const r = this.vfio.attach(findGroup(this.host, spec.group), this.ramMaps());
    if (r.status !== 'ok') {
      this.m.hotplugRejectedKernel++;
      this.trace('vmm', `device_add ${name} failed (-${r.result.errno}); the VM keeps running`);
      return;
    }
    this.m.hotplugOk++;
    this.tell(decision, 'runtime');
    this.probe(spec);
  }

  private unplug(name: string): void {
    const dev = this.devices.get(name);
    if (!dev) return; // never came up (its hotplug failed or was not drawn)
    this.retire(dev);
    if (![...this.devices.values()].some((d) => d.spec.group === dev.spec.group)) this.vfio.detach(dev.spec.group);
    this.trace('vmm', `device_del ${name}`);
  }

  /** Returns true if the VM crashed: a pc-dimm whose map fails ends in hw_error (hw/vfio/listener.c). */
  private memoryHotplug(ev: Ev<'memory-hotplug'>): boolean {
    this.m.memHotplugAttempts++;
    const at = ev.at ?? nextDeviceMemory(this.ram, this.firmwareReserved, ev.size, this.s.host.arch === 'x86_64');
    const added = { start: at, last: at + ev.size - 1n };
    if (this.ram.overlaps(added)) throw new Error(`memory-hotplug at ${formatRange(added)} overlaps guest RAM`);
    const decision = this.decide({ phase: 'memory-hotplug', ram: this.ram, added, kind: ev.memKind, attached: this.vfio.attachedGroups() });
    if (decision.action === 'abort') {
      this.m.memHotplugAbortedVmm++;
      this.trace('vmm', `${ev.memKind} ${formatRange(added)} refused by the VMM: ${decision.reason}`);
      return false;
    }
    const around = roundOut(decision.mapAround ?? IntervalSet.EMPTY);
    const r = this.vfio.mapEverywhere(IntervalSet.of(added).subtract(around).ranges);
    if (r.status !== 'ok') {
      if (ev.memKind === 'pc-dimm') {
        this.trace('vmm', 'qemu: hw_error("vfio: DMA mapping failed, unable to continue"): the VM aborts');
        return true;
      }
      this.trace('vmm', `virtio-mem ${formatRange(added)}: plug rolled back, error returned; the VM keeps running`);
      return false;
    }
    this.m.memHotplugOk++;
    this.ram = this.ram.union(IntervalSet.of(added));
    this.sections.push(added);
    this.unmappedByVmm = this.unmappedByVmm.union(around.intersect(IntervalSet.of(added)));
    this.tell(decision, 'runtime');
    this.trace('vmm', `${ev.memKind} ${formatRange(added)} plugged`);
    return false;
  }

  /**
   * Migration: the guest layout stays, the destination's kernel and regions
   * differ. A refusal on the destination fails the migration; the VM keeps
   * running on the source. Buffers stay where they are: hints come too late.
   */
  private migrate(dest: { host: Host; file: string }): void {
    this.m.migrations++;
    const { kernel, view } = hostFor(this.policy, dest.host);
    const groups = [...new Set([...this.devices.values()].map((d) => d.spec.group))];
    const decision = this.decideOn(view, { phase: 'migrate', ram: this.ram, groups });
    if (decision.action === 'abort') {
      this.m.migrationsAbortedVmm++;
      this.trace('vmm', `migration to ${dest.file} refused by the VMM: ${decision.reason}`);
      return;
    }
    const target = new Containers(kernel, this.trace);
    const around = roundOut(decision.mapAround ?? IntervalSet.EMPTY).intersect(this.ram);
    const maps = this.sections.flatMap((s) => IntervalSet.of(s).subtract(this.unmappedByVmm.union(around)).ranges);
    for (const g of groups) {
      const r = target.attach(findGroup(dest.host, g), maps);
      if (r.status !== 'ok') {
        this.refusals += target.refusals;
        this.trace('vmm', `migration to ${dest.file} failed: the destination QEMU could not set up group ${g}; the VM keeps running on the source`);
        return;
      }
    }
    this.refusals += this.vfio.refusals;
    this.m.migrationsOk++;
    this.host = dest.host;
    this.view = view;
    this.vfio = target;
    this.unmappedByVmm = this.unmappedByVmm.union(around);
    this.tell(decision, 'runtime');
    this.trace('vmm', `migrated to ${dest.file} (${dest.host.platform}, kernel ${kernel.era})`);
  }

  /** Guest reboot: it re-reads firmware tables (which now carry what it was told) and re-probes. */
  private reboot(): void {
    this.m.reboots++;
    // The VMM's tables at this boot carry every range it has told the guest about.
    if (this.guest.honours.includes('firmware')) this.firmwareHints = this.firmwareHints.union(this.toldGuest);
    this.trace('guest', 'reboot: firmware tables re-read, every driver probes again');
    for (const d of [...this.devices.values()]) {
      this.retire(d);
      this.probe(d.spec);
    }
  }

  private dma(ev: Ev<'dma'>): void {
    for (const name of ev.devices ?? [...this.devices.keys()]) {
      const dev = this.devices.get(name);
      if (!dev) continue;
      const map = this.dangerMapFor(dev.spec);
      dev.set.reclassify(map);
      const before = { lost: this.tally.lostOps, fault: this.tally.faultOps };
      const place = placementFor(this.usable(), dev.set.pages, dev.spec.workload.lowBias);
      dev.set.runPhase(this.rng.fork(`ops/${name}/${this.step}`), ev.operations, ev.rounds, ev.churn, place, map, this.tally);
      this.trace('dma', `${name}: ${ev.operations} ops, ${this.tally.lostOps - before.lost} lost silently, ${this.tally.faultOps - before.fault} faulted`);
    }
  }

  /** The driver probes: it allocates its working set from RAM it believes usable. */
  private probe(spec: DeviceSpec): void {
    const pages = Number(spec.workload.bufferBytes / 4096n);
    const set = this.choose
      ? new AnalyticSet(spec.workload.buffers, pages)
      : new WorkingSet(spec.workload.buffers, pages, this.traced ? this.witness(spec.name) : undefined);
    const dev: ActiveDevice = { spec, set };
    this.devices.set(spec.name, dev);
    const group = findGroup(this.host, spec.group);
    if (!this.vfio.mappedFor(spec.group).intersect(swMsiDoorbellPages(group, this.s.vm.swMsiDoorbells)).isEmpty) {
      this.m.msiSetupFailures++;
      this.trace('kernel', `${spec.name}: SW_MSI doorbell IOVA already mapped by userspace: MSI setup fails`);
    }
    const before = this.tally.dangerousPlacements;
    const rng = this.rng.fork(`place/${spec.name}/${this.step}`);
    const ok = dev.set.allocate(rng, placementFor(this.usable(), pages, spec.workload.lowBias), this.dangerMapFor(spec), this.tally);
    if (!ok) throw new Error(`device ${spec.name}: no guest RAM range fits a ${hex(spec.workload.bufferBytes)}-byte buffer`);
    this.trace('guest', `${spec.name} probed: ${spec.workload.buffers} buffers, ${this.tally.dangerousPlacements - before} over a dangerous range`);
  }

  /** Hints reach the guest through a channel; a guest that does not honour it never hears. */
  private tell(decision: Decision, channel: 'firmware' | 'runtime'): void {
    if (decision.action !== 'proceed' || !decision.tellGuest) return;
    this.toldGuest = this.toldGuest.union(decision.tellGuest);
    if (!this.guest.honours.includes(channel)) return;
    if (channel === 'firmware') this.firmwareHints = this.firmwareHints.union(decision.tellGuest);
    else this.runtimeHints = this.runtimeHints.union(decision.tellGuest);
  }

  private usable(): IntervalSet {
    return this.ram.subtract(this.firmwareReserved).subtract(this.firmwareHints).subtract(this.runtimeHints);
  }

  private dangerMapFor(spec: DeviceSpec) {
    return buildDangerMap({ host: this.host, group: findGroup(this.host, spec.group), mapped: this.vfio.mappedFor(spec.group), swMsiDoorbells: this.s.vm.swMsiDoorbells });
  }

  private decide(req: VmmRequest): Decision {
    return this.decideOn(this.view, req);
  }

  private decideOn(view: HostView, req: VmmRequest): Decision {
    const d = policyCall(this.policy, `decide(${req.phase})`, () => this.policy.decide(req, view));
    const ok = d && (d.action === 'abort' ? typeof d.reason === 'string'
      : d.action === 'proceed' && [d.mapAround, d.tellGuest].every((x) => x === undefined || x instanceof IntervalSet));
    if (!ok) throw new PolicyError(`policy ${this.policy.id} returned an invalid decision for ${req.phase}: ${JSON.stringify(d ?? null, (_, v) => (typeof v === 'bigint' ? hex(v) : v))}`);
    this.trace('policy', `${req.phase}: ${d.action}${d.action === 'abort' ? ` (${d.reason})` : ''}`);
    return d;
  }

  private applyMapAround(decision: Decision): void {
    if (decision.action !== 'proceed' || !decision.mapAround || decision.mapAround.isEmpty) return;
    const around = roundOut(decision.mapAround).intersect(this.ram);
    this.unmappedByVmm = this.unmappedByVmm.union(around);
    this.vfio.remapAround(around);
  }

  /** RAM as QEMU maps it: one map per section, split around what the VMM keeps unmapped. */
  private ramMaps(): Range[] {
    return this.sections.flatMap((s) => IntervalSet.of(s).subtract(this.unmappedByVmm).ranges);
  }

  /** Every host and group the VM may meet, for a policy that plans at creation. */
  private plan(coldGroups: readonly number[]) {
    const hotplugged = this.s.timeline.flatMap((e) => (e.kind === 'hotplug' ? e.pool.map((p) => this.device(p.device).group) : []));
    const groups = [...new Set([...coldGroups, ...hotplugged])];
    const dests = this.s.timeline.flatMap((e) => (e.kind === 'migrate' ? e.pool.map((p) => p.host) : []));
    return [{ view: this.view, groups }, ...dests.map((h) => ({ view: hostFor(this.policy, h).view, groups }))];
  }

  private retire(dev: ActiveDevice): void {
    if (dev.set instanceof AnalyticSet) this.survivalOfRetired *= dev.set.survival();
    this.devices.delete(dev.spec.name);
  }

  /** Exact mode: the probability that this path of the scenario loses data silently. */
  lossProbability(): number {
    let survival = this.survivalOfRetired;
    for (const d of this.devices.values()) if (d.set instanceof AnalyticSet) survival *= d.set.survival();
    return 1 - survival;
  }

  private get traced(): boolean {
    return this.trace !== NO_TRACE;
  }

  /** Names each buffer placed over a danger range, and what a write to it turns into. */
  private witness(device: string) {
    return (buffer: number, startPage: number, hit: Hit) => {
      const start = BigInt(startPage) << 12n;
      const size = this.device(device).workload.bufferBytes;
      const parts = [...hit.bytes.entries()].filter(([, b]) => b > 0).map(([o, b]) => `${b} bytes ${OUTCOME_NAMES[o as Outcome]}`);
      this.trace('guest', `${device} buffer ${buffer} at ${formatRange({ start, last: start + size - 1n })}: ${parts.join(', ')}`, {
        device, buffer, start: hex(start), size: hex(size), outcome: parts.join(', '), silent: hit.silentBytes > 0,
      });
    };
  }

  private device(name: string): DeviceSpec {
    const d = this.s.devices.find((x) => x.name === name);
    if (!d) throw new Error(`unknown device ${name}`);
    return d;
  }
}
