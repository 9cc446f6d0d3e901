// One trial: a scenario's timeline played under one policy with one seed.
// The engine owns the kernel, QEMU and the guest; the policy only decides.
import { type Range, formatRange, hex } from '../model/addr.js';
import { findGroup, sysfsTypeName } from '../model/host.js';
import { IntervalSet } from '../model/intervals.js';
import { kernelFor } from '../kernel/index.js';
import { buildDangerMap, swMsiDoorbellPages } from '../dma/danger-map.js';
import { MECHANISM_KEYS, SILENT_MECHANISMS } from '../dma/outcome.js';
import { Rng } from '../guest/rng.js';
import { type DmaTally, WorkingSet, newTally, placementFor } from '../guest/working-set.js';
import { Containers } from '../vmm/containers.js';
import { layOutAround, layoutFor, roundOut } from '../vmm/layout.js';
import type { Decision, HostView, PolicyInstance, VmmRequest } from '../policy.js';
import type { DeviceSpec, GuestProfile, Scenario, TimelineEvent } from '../scenario/types.js';
import type { Mechanism, TrialMetrics, TrialResult } from './result.js';
import { NO_TRACE, type Trace } from './trace.js';

export interface TrialInput {
  readonly scenario: Scenario;
  readonly policy: PolicyInstance;
  readonly seed: string;
  readonly trial: number;
  readonly trace?: Trace;
}

export function runTrial(input: TrialInput): TrialResult {
  try {
    return { status: 'ok', ...new TrialRun(input).run() };
  } catch (e) {
    return { status: 'error', message: e instanceof Error ? e.message : String(e) };
  }
}

/** Common random numbers: the key omits the policy, so trial k draws alike under every policy. */
export function trialKey(seed: string, scenario: string, trial: number): string {
  return `doorbell/${seed}/${scenario}/${trial}`;
}

interface ActiveDevice {
  readonly spec: DeviceSpec;
  readonly set: WorkingSet;
  readonly rng: Rng;
  /** Ranges this device's driver was told to avoid before it allocated. */
  avoid: IntervalSet;
}

class TrialRun {
  private readonly s: Scenario;
  private readonly policy: PolicyInstance;
  private readonly trace: Trace;
  private readonly rng: Rng;
  private readonly view: HostView;
  private readonly vfio: Containers;
  private readonly guest: GuestProfile;
  private ram = IntervalSet.EMPTY;
  private sections: Range[] = [];
  private firmwareReserved = IntervalSet.EMPTY;
  private firmwareHints = IntervalSet.EMPTY;
  private unmappedByVmm = IntervalSet.EMPTY;
  private toldGuest = IntervalSet.EMPTY;
  private devices = new Map<string, ActiveDevice>();
  private tally: DmaTally = newTally();
  private phase = 0;
  private m = {
    hotplugAttempts: 0, hotplugOk: 0, hotplugRejectedKernel: 0, hotplugAbortedVmm: 0,
    memHotplugAttempts: 0, memHotplugOk: 0, msiSetupFailures: 0,
  };

  constructor(input: TrialInput) {
    this.s = input.scenario;
    this.policy = input.policy;
    this.trace = input.trace ?? NO_TRACE;
    this.rng = new Rng(trialKey(input.seed, this.s.name, input.trial));
    const host = this.s.host;
    const partial: HostView = { platform: host.platform, arch: host.arch, kernel: host.kernel, regions: () => undefined };
    const kernel = kernelFor(this.policy.kernel(partial), host);
    this.view = {
      ...partial,
      regions: (id) =>
        kernel.regionsVisible
          ? findGroup(host, id).regions.map((r) => ({ start: r.start, last: r.last, type: sysfsTypeName(r.type) as 'msi' }))
          : undefined,
    };
    this.vfio = new Containers(kernel, this.trace);
    this.guest = drawGuest(this.rng.fork('guest'), this.s.guests);
    this.trace('policy', `${this.policy.id}: kernel ${kernel.era}; guest '${this.guest.name}' honours [${this.guest.honours.join(', ')}]`);
  }

  run(): TrialMetrics {
    const [first, ...rest] = this.s.timeline;
    const started = this.start(first as Extract<TimelineEvent, { kind: 'start' }>);
    let crashed = false;
    if (started === undefined) {
      for (const ev of rest) {
        if (ev.kind === 'hotplug') this.hotplug(ev.device);
        else if (ev.kind === 'unplug') this.unplug(ev.device);
        else if (ev.kind === 'memory-hotplug') crashed = this.memoryHotplug(ev);
        else if (ev.kind === 'dma') this.dma(ev);
        if (crashed) break;
      }
    }
    const lostBytesBy = {} as Record<Mechanism, number>;
    for (const o of SILENT_MECHANISMS) lostBytesBy[MECHANISM_KEYS[o] as Mechanism] = this.tally.lostBytes[o]!;
    return {
      vmStarted: started === undefined,
      startFailure: started,
      ...this.m,
      vmCrashed: crashed,
      refusedCalls: this.vfio.refusals,
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
  private start(ev: Extract<TimelineEvent, { kind: 'start' }>): TrialMetrics['startFailure'] {
    const vm = this.s.vm;
    const layout = layoutFor(vm);
    if (layout.status === 'error') {
      this.trace('vmm', `qemu: ${layout.message}; the VM does not start`);
      return 'layout';
    }
    this.sections = [...layout.sections];
    this.firmwareReserved = IntervalSet.from(layout.firmwareReserved);
    const coldGroups = ev.devices.map((d) => this.device(d).group);
    const planned = [...new Set([...coldGroups, ...this.s.timeline.flatMap((e) => (e.kind === 'hotplug' ? [this.device(e.device).group] : []))])];
    const reserve = this.policy.reserveAtCreation?.({ ram: IntervalSet.from(this.sections), groups: planned }, this.view);
    if (reserve && !(reserve instanceof IntervalSet)) throw new Error(`policy ${this.policy.id}: reserveAtCreation returned ${typeof reserve}, expected an IntervalSet`);
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
      const r = this.vfio.attach(findGroup(this.s.host, this.device(d).group), this.ramMaps());
      if (r.status !== 'ok') {
        this.trace('vmm', `qemu: vfio ${d}: failed to setup container; the VM does not start`);
        return 'kernel';
      }
    }
    if (decision.tellGuest && this.guest.honours.includes('firmware')) this.firmwareHints = decision.tellGuest;
    this.toldGuest = this.toldGuest.union(decision.tellGuest ?? IntervalSet.EMPTY);
    for (const d of ev.devices) this.probe(this.device(d), IntervalSet.EMPTY);
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
    const r = this.vfio.attach(findGroup(this.s.host, spec.group), this.ramMaps());
    if (r.status !== 'ok') {
      this.m.hotplugRejectedKernel++;
      this.trace('vmm', `device_add ${name} failed (-${r.result.errno}); the VM keeps running`);
      return;
    }
    this.m.hotplugOk++;
    const hint = decision.tellGuest ?? IntervalSet.EMPTY;
    this.toldGuest = this.toldGuest.union(hint);
    this.probe(spec, this.guest.honours.includes('runtime') ? hint : IntervalSet.EMPTY);
  }

  private unplug(name: string): void {
    const dev = this.devices.get(name);
    if (!dev) return; // never came up (its hotplug failed)
    this.devices.delete(name);
    if (![...this.devices.values()].some((d) => d.spec.group === dev.spec.group)) this.vfio.detach(dev.spec.group);
    this.trace('vmm', `device_del ${name}`);
  }

  /** Returns true if the VM crashed: a pc-dimm whose map fails ends in hw_error (hw/vfio/listener.c). */
  private memoryHotplug(ev: Extract<TimelineEvent, { kind: 'memory-hotplug' }>): boolean {
    this.m.memHotplugAttempts++;
    const at = ev.at ?? this.nextDeviceMemory(ev.size);
    const added = { start: at, last: at + ev.size - 1n };
    if (this.ram.overlaps(added)) throw new Error(`memory-hotplug at ${formatRange(added)} overlaps guest RAM`);
    const decision = this.decide({ phase: 'memory-hotplug', ram: this.ram, added, kind: ev.memKind, attached: this.vfio.attachedGroups() });
    if (decision.action === 'abort') {
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
    const hint = decision.tellGuest ?? IntervalSet.EMPTY;
    this.toldGuest = this.toldGuest.union(hint);
    if (this.guest.honours.includes('runtime')) for (const d of this.devices.values()) d.avoid = d.avoid.union(hint);
    this.trace('vmm', `${ev.memKind} ${formatRange(added)} plugged`);
    return false;
  }

  private dma(ev: Extract<TimelineEvent, { kind: 'dma' }>): void {
    this.phase++;
    const names = ev.devices ?? [...this.devices.keys()];
    for (const name of names) {
      const dev = this.devices.get(name);
      if (!dev) continue;
      const map = this.dangerMapFor(dev.spec);
      dev.set.reclassify(map);
      const before = { lost: this.tally.lostOps, fault: this.tally.faultOps };
      const place = placementFor(this.usableFor(dev), dev.set.pages, dev.spec.workload.lowBias);
      dev.set.runPhase(this.rng.fork(`ops/${name}/${this.phase}`), ev.operations, ev.rounds, ev.churn, place, map, this.tally);
      this.trace('dma', `${name}: ${ev.operations} ops, ${this.tally.lostOps - before.lost} lost silently, ${this.tally.faultOps - before.fault} faulted`);
    }
  }

  /** The driver probes: it allocates its working set from RAM it believes usable. */
  private probe(spec: DeviceSpec, runtimeHint: IntervalSet): void {
    const pages = Number(spec.workload.bufferBytes / 4096n);
    const dev: ActiveDevice = {
      spec,
      set: new WorkingSet(spec.workload.buffers, pages),
      rng: this.rng.fork(`place/${spec.name}/${this.devices.size}/${this.phase}`),
      avoid: runtimeHint,
    };
    this.devices.set(spec.name, dev);
    const group = findGroup(this.s.host, spec.group);
    if (!this.vfio.mappedFor(spec.group).intersect(swMsiDoorbellPages(group, this.s.vm.swMsiDoorbells)).isEmpty) {
      this.m.msiSetupFailures++;
      this.trace('kernel', `${spec.name}: SW_MSI doorbell IOVA already mapped by userspace: MSI setup fails`);
    }
    const placedBefore = this.tally.dangerousPlacements;
    const ok = dev.set.allocate(dev.rng, placementFor(this.usableFor(dev), pages, spec.workload.lowBias), this.dangerMapFor(spec), this.tally);
    if (!ok) throw new Error(`device ${spec.name}: no guest RAM range fits a ${hex(spec.workload.bufferBytes)}-byte buffer`);
    this.trace('guest', `${spec.name} probed: ${spec.workload.buffers} buffers, ${this.tally.dangerousPlacements - placedBefore} over a dangerous range`);
  }

  private usableFor(dev: ActiveDevice): IntervalSet {
    return this.ram.subtract(this.firmwareReserved).subtract(this.firmwareHints).subtract(dev.avoid);
  }

  private dangerMapFor(spec: DeviceSpec) {
    return buildDangerMap({
      host: this.s.host,
      group: findGroup(this.s.host, spec.group),
      mapped: this.vfio.mappedFor(spec.group),
      swMsiDoorbells: this.s.vm.swMsiDoorbells,
    });
  }

  private decide(req: VmmRequest): Decision {
    const d = this.policy.decide(req, this.view);
    const ok =
      d && (d.action === 'abort' ? typeof d.reason === 'string'
        : d.action === 'proceed' && [d.mapAround, d.tellGuest].every((x) => x === undefined || x instanceof IntervalSet));
    if (!ok) throw new Error(`policy ${this.policy.id} returned an invalid decision for ${req.phase}: ${JSON.stringify(d, (_, v) => (typeof v === 'bigint' ? hex(v) : v))}`);
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

  /** Device memory goes above RAM, 1 GiB aligned, clear of firmware-reserved ranges. */
  private nextDeviceMemory(size: bigint): bigint {
    const GiB = 1n << 30n;
    let at = (((this.ram.max() ?? 0n) + GiB) / GiB) * GiB;
    if (this.s.host.arch === 'x86_64' && at < 4n * GiB) at = 4n * GiB;
    for (;;) {
      const hit = this.firmwareReserved.firstOverlap({ start: at, last: at + size - 1n });
      if (!hit) return at;
      at = ((hit.last + GiB) / GiB) * GiB;
    }
  }

  private device(name: string): DeviceSpec {
    const d = this.s.devices.find((x) => x.name === name);
    if (!d) throw new Error(`unknown device ${name}`);
    return d;
  }
}

function drawGuest(rng: Rng, guests: readonly GuestProfile[]): GuestProfile {
  const total = guests.reduce((s, g) => s + g.weight, 0);
  let u = rng.float() * total;
  for (const g of guests) {
    u -= g.weight;
    if (u < 0) return g;
  }
  return guests[guests.length - 1]!;
}

