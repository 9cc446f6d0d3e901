// One trial: a scenario's timeline played under one policy with one seed.
// The engine owns the kernel, the containers and the guest; the policy only
// decides, and the trial's userspace (src/userspace/) only says how its
// program reacts to what the kernel answers.
import { type Range, formatRange } from '../model/addr.js';
import { type Host, findGroup } from '../model/host.js';
import { IntervalSet } from '../model/intervals.js';
import type { LossProbabilities } from '../guest/analytic-set.js';
import { Rng } from '../guest/rng.js';
import { Guest } from './guest.js';
import { Containers } from '../vmm/containers.js';
import { roundOut } from '../vmm/layout.js';
import type { Phase, Section } from '../vmm/listener.js';
import { MemoryMap } from '../vmm/memory-map.js';
import type { Decision, HostView, PolicyInstance } from '../policy.js';
import type { DeviceSpec, GuestProfile, Scenario, TimelineEvent } from '../scenario/types.js';
import { type HostUnderPolicy, hostFor, windowRefusals } from './host-view.js';
import { Draws } from './draws.js';
import { destinationContainers, migrationBlocker } from './migration.js';
import { placeMemory, plugMemory } from './memory-plug.js';
import { type TrialMetrics, eventCounters } from './result.js';
import { chooseMsiWindow, creationPlan, layOutAtStart } from './start-layout.js';
import { abiChangedBytes, migratableAcrossPool } from './portability.js';
import { type TrialInput, trialKey } from './trial-input.js';
import { userspace } from '../userspace/registry.js';
import type { Userspace } from '../userspace/types.js';
import { UserspaceSide } from './userspace-side.js';
import { NO_TRACE, type Trace } from './trace.js';
import { VmmDecisions } from './vmm-decide.js';
import { ACCEL_MIGRATION_BLOCKER, type NestedSmmuv3, nestedSmmuv3 } from '../vmm/nested-smmuv3.js';

type Ev<K extends TimelineEvent['kind']> = Extract<TimelineEvent, { kind: K }>;
const maxOf = (a: bigint, b: bigint) => (a > b ? a : b);

export class TrialRun {
  private readonly s: Scenario;
  private readonly policy: PolicyInstance;
  private readonly trace: Trace;
  private readonly rng: Rng;
  private readonly guest: GuestProfile;
  private readonly us: Userspace;
  private readonly side: UserspaceSide;
  /** Every assigned device has been unplugged once (cloud-hypervisor #7328). */
  private emptied = false;
  private host: Host;
  private view: HostView;
  private under: HostUnderPolicy;
  private vfio: Containers;
  private ram = IntervalSet.EMPTY;
  private mem = new MemoryMap('explicit', false, [], undefined);
  private firmwareReserved = IntervalSet.EMPTY;
  // The standard and the started layout (ABI change), the VMM's SW_MSI window, the groups the VM may carry.
  private standard = IntervalSet.EMPTY; private startRam = IntervalSet.EMPTY;
  private window: Range | undefined; private carried: readonly number[] = [];
  /** Bytes QEMU uses above the started RAM's top (the x86 PCI hole; layout.ts maxUsedGpa), following RAM a policy moved. */
  private aboveRam = 0n;
  private unmappedByVmm = IntervalSet.EMPTY;
  /** pc-dimms plugged so far: the RAM an ACPI eject can take back. */
  private dimms: Range[] = [];
  private readonly vmm: VmmDecisions;
  private readonly g: Guest;
  private step = 0;
  private refusals = 0;
  private readonly draws: Draws;
  private m = eventCounters();
  /** The accelerated SMMUv3 a vIOMMU guest gets under a policy that asks for one (policy.vIommu), decided on the start host. */
  private readonly nested: NestedSmmuv3 | undefined;

  constructor(input: TrialInput) {
    this.s = input.scenario;
    this.policy = input.policy;
    const outer = input.trace ?? NO_TRACE;
    // Kernel calls and their results go into the transcript, whoever makes them.
    this.trace = (kind, text, data) => {
      if (kind === 'kernel') this.side.mix(text);
      outer(kind, text, data);
    };
    this.rng = new Rng(trialKey(input.seed, this.s.name, input.trial));
    this.under = hostFor(this.policy, this.s.host);
    const { kernel, view } = this.under;
    this.host = this.under.host;
    this.view = view;
    this.vfio = new Containers(kernel, this.trace);
    this.draws = new Draws(this.rng, input.choose);
    this.guest = this.s.guests[this.draws.pick('guest', this.s.guests.map((g) => g.weight))]!;
    // The fleet is drawn like the guest mix: the same userspace in trial k under every policy.
    const fleet = this.s.vmms.map((v) => v.weight);
    this.us = userspace(this.s.vmms[fleet.length > 1 ? this.draws.pick('vmm', fleet) : 0]!.userspace);
    this.side = new UserspaceSide(this.us, this.trace);
    this.nested = this.policy.vIommu === 'smmuv3-nested' ? nestedSmmuv3(this.host, this.under.version, this.s.vm, this.us.id) : undefined;
    this.vmm = new VmmDecisions({ policy: this.policy, vm: this.s.vm, draws: this.draws, trace: this.trace, side: this.side, dimms: this.dimms, nested: this.nested });
    this.g = new Guest({
      scenario: this.s, profile: this.guest, rng: this.rng, trace: this.trace, witness: outer !== NO_TRACE, exact: this.draws.exact, tape: input.tape,
      host: () => this.host, mappedFor: (g) => this.vfio.mappedFor(g), msiFor: (g) => this.vfio.msiFor(g), ram: () => this.ram.subtract(this.firmwareReserved),
      msiUnavailable: (g) => this.under.msiUnavailable(g), mapDoorbells: (g, pages) => this.vfio.mapDoorbells(g, pages),
    });
    outer('policy', `${this.policy.id}: kernel ${kernel.era} as ${this.under.version} on ${this.host.platform}${this.under.whatIf ? ` (which runs ${this.s.host.kernel})` : ''}; guest '${this.guest.name}' honours [${this.guest.honours.join(', ')}]; userspace ${this.us.id}`);
  }

  run(): TrialMetrics {
    const started = this.start(this.s.timeline[0] as Ev<'start'>);
    if (started === undefined) this.g.observeFirmwareExposure();
    let crashed = false;
    for (const [i, ev] of this.s.timeline.entries()) {
      if (i === 0 || started !== undefined || crashed) continue;
      this.step = i;
      // Declared randomness: one stream per event, so every policy sees the same draws.
      const draw = this.rng.fork(`event/${i}`);
      const pick = (weights: readonly number[]) => this.draws.pick(`pool/${i}`, weights, draw);
      if ('chance' in ev && ev.chance < 1 && !this.draws.happens(`chance/${i}`, ev.chance, draw)) {
        this.trace('vmm', `event ${i} (${ev.kind}) does not happen in this trial`);
        continue;
      }
      if (ev.kind === 'hotplug') this.hotplug(ev.pool[pick(ev.pool.map((p) => p.weight))]!.device);
      else if (ev.kind === 'unplug') this.unplug(ev.device);
      else if (ev.kind === 'memory-hotplug') crashed = this.memoryHotplug(ev);
      else if (ev.kind === 'dma') this.g.dma(ev, this.step);
      else if (ev.kind === 'migrate') this.migrate(ev.pool[pick(ev.pool.map((p) => p.weight))]!);
      else if (ev.kind === 'reboot') {
        this.m.reboots++;
        this.g.reboot(this.step);
      }
      if (!crashed) this.g.observeFirmwareExposure();
    }
    return {
      vmStarted: started === undefined,
      startFailure: started,
      ...this.m,
      msiSetupFailures: this.g.msiSetupFailures,
      userspace: this.us.id,
      transcript: this.side.transcript,
      vmCrashed: crashed,
      refusedCalls: this.refusals + this.vfio.refusals,
      ...this.g.dmaMetrics(),
      // A vIOMMU guest's RAM over an avoided IOVA range stays usable through other IOVAs.
      ramUnusableBytes: this.ram.intersect(this.unmappedByVmm.union(this.g.toldGuest)).subtract(this.g.iovaAvoided).measure(),
      hintsVia: [...this.g.hintsVia],
      hintRefusals: this.g.hintRefusals,
      guestAbiChangeBytes: abiChangedBytes(this.standard, this.startRam),
      migratable: started === undefined ? migratableAcrossPool(this.s, this.policy, this.window, this.startRam, this.carried) : undefined,
      maxGpa: this.ram.max() ?? 0n,
      maxUsedGpa: maxOf(this.ram.max() ?? 0n, this.aboveRam > 0n ? (this.startRam.max() ?? 0n) + this.aboveRam : 0n),
    };
  }

  /** VM start: layout, the policy's check, attach + map (hw/vfio/listener.c: a failure here exits QEMU). */
  private start(ev: Ev<'start'>): TrialMetrics['startFailure'] {
    const coldGroups = ev.devices.map((d) => this.device(d).group);
    const plan = () => creationPlan(this.s, this.policy, this.view, coldGroups);
    const laid = layOutAtStart(this.s, this.host.physBits, this.policy, plan, coldGroups, this.trace);
    if (laid.status === 'error') return 'layout';
    ({ ram: this.ram, firmwareReserved: this.firmwareReserved, mem: this.mem, standard: this.standard, aboveRam: this.aboveRam } = laid);
    [this.startRam, this.carried] = [this.ram, plan().plan[0]!.groups];
    this.window = chooseMsiWindow(this.policy, this.mem, this.ram, plan, coldGroups);
    if (this.window) this.useHost(hostFor(this.policy, this.s.host, this.window));
    const decision = this.vmm.decide(this.view, { phase: 'start', userspace: this.us.id, ram: this.ram, groups: coldGroups }, this.step);
    if (decision.action === 'abort') {
      this.trace('vmm', `${this.us.id} refuses to start: ${decision.reason}`);
      return 'vmm';
    }
    this.applyMapAround(decision);
    const cold = this.ramMaps('cold');
    for (const d of ev.devices) {
      const r = this.vfio.attach(findGroup(this.host, this.device(d).group), cold, this.side.keeps('start'), this.us.oneContainer);
      if (r.status !== 'ok' && this.side.reaction('start', r) !== 'treat-as-mapped') {
        this.trace('vmm', `${this.us.id}: vfio ${d}: failed to setup container; it does not start`);
        return 'kernel';
      }
    }
    if (ev.devices.length > 0) this.vfio.follow(cold, this.ramMaps('runtime'));
    this.g.tell(this.vmm.route);
    this.g.booted();
    for (const d of ev.devices) this.g.probe(this.device(d), this.step);
    return undefined;
  }

  /** device_add: a refusal fails the hotplug cleanly, the VM keeps running. */
  private hotplug(name: string): void {
    const spec = this.device(name);
    this.m.hotplugAttempts++;
    const decision = this.vmm.decide(this.view, { phase: 'hotplug', userspace: this.us.id, ram: this.ram, group: spec.group, attached: this.vfio.attachedGroups() }, this.step);
    if (decision.action === 'abort') {
      this.m.hotplugAbortedVmm++;
      this.trace('vmm', `device_add ${name}: aborted by the VMM: ${decision.reason}`);
      return;
    }
    this.applyMapAround(decision);
    // cloud-hypervisor #7328: once every device is gone, a new container gets no RAM mapped.
    const lost = this.emptied && !this.us.remapsAfterLastUnplug && this.vfio.attachedGroups().length === 0;
    if (lost) this.trace('vmm', `${this.us.id}: device_add ${name} after every device was unplugged: guest RAM is not mapped again`);
    const r = this.vfio.attach(findGroup(this.host, spec.group), lost ? [] : this.ramMaps('runtime'), this.side.keeps('hotplug'), this.us.oneContainer);
    if (r.status !== 'ok' && this.side.reaction('hotplug', r) !== 'treat-as-mapped') {
      this.m.hotplugRejectedKernel++;
      this.trace('vmm', `device_add ${name} failed (-${r.result.errno}); the VM keeps running`);
      return;
    }
    this.m.hotplugOk++;
    this.g.tell(this.vmm.route);
    this.g.probe(spec, this.step);
  }

  private unplug(name: string): void {
    const spec = this.g.retire(name);
    if (!spec) return; // never came up (its hotplug failed or was not drawn)
    if (!this.g.activeGroups().includes(spec.group)) this.vfio.detach(spec.group);
    if (this.vfio.attachedGroups().length === 0) this.emptied = true;
    this.trace('vmm', `device_del ${name}`);
  }

  /** A memory device goes where the guest machine puts it (vmm/device-memory.ts), mapped as memory-plug.ts says; true if the VM crashed. */
  private memoryHotplug(ev: Ev<'memory-hotplug'>): boolean {
    if (!this.us.memoryHotplug) {
      this.trace('vmm', `${this.us.id} has no ${ev.memKind} memory hotplug beside an assigned device; nothing happens`);
      return false;
    }
    this.m.memHotplugAttempts++;
    const added = placeMemory(ev, this.mem, this.ram, this.firmwareReserved, this.trace);
    if (!added) return false;
    const valid = this.vfio.validRanges();
    const decision = this.vmm.decide(this.view, { phase: 'memory-hotplug', userspace: this.us.id, ram: this.ram, added, kind: ev.memKind, attached: this.vfio.attachedGroups(), ...(valid ? { valid } : {}) }, this.step);
    if (decision.action === 'abort') {
      this.m.memHotplugAbortedVmm++;
      this.trace('vmm', `${ev.memKind} ${formatRange(added)} refused by the VMM: ${decision.reason}`);
      return false;
    }
    const around = roundOut(decision.mapAround ?? IntervalSet.EMPTY).intersect(IntervalSet.of(added));
    const add = (ranges: readonly Range[], granularity?: bigint) => this.addMemory(ranges, around, granularity);
    const plugged = plugMemory({ kind: ev.memKind, added, around, vfio: this.vfio, side: this.side, trace: this.trace, add });
    if (plugged !== 'plugged') return plugged === 'crash';
    if (ev.memKind === 'pc-dimm') this.dimms.push(added);
    this.m.memHotplugOk++;
    this.trace('vmm', `${ev.memKind} ${formatRange(added)} plugged`);
    return false;
  }

  /** Plugged memory becomes guest RAM, and sections the listener maps for later containers. */
  private addMemory(ranges: readonly Range[], around: IntervalSet, granularity?: bigint): void {
    this.mem.add(ranges, granularity);
    this.ram = this.ram.union(IntervalSet.from(ranges));
    this.unmappedByVmm = this.unmappedByVmm.union(around.intersect(IntervalSet.from(ranges)));
    this.g.tell(this.vmm.route);
  }

  /** Migration: the layout stays, the destination's kernel and regions differ; a refusal there leaves the VM on the source (buffers stay: hints come too late). */
  private migrate(to: { host: Host; file: string }): void {
    this.m.migrations++;
    const there = hostFor(this.policy, to.host, this.window);
    this.refusals += windowRefusals(there, this.window, this.trace);
    const { kernel, view } = there;
    const groups = this.g.activeGroups();
    // An accelerated SMMUv3 blocks migration from realize, devices or not.
    const accel = this.s.vm.viommu && this.nested && !this.nested.missing ? ACCEL_MIGRATION_BLOCKER : undefined;
    const blocker = accel ?? migrationBlocker(this.us, this.s.vm.qemu, this.under.version, there.version, groups);
    if (blocker) {
      this.m.migrationsAbortedVmm++;
      this.trace('vmm', `migration to ${to.file} blocked by QEMU: ${blocker}; the VM stays on the source`);
      return;
    }
    const decision = this.vmm.decide(view, { phase: 'migrate', userspace: this.us.id, ram: this.ram, groups }, this.step);
    if (decision.action === 'abort') {
      this.m.migrationsAbortedVmm++;
      this.trace('vmm', `migration to ${to.file} refused by the VMM: ${decision.reason}`);
      return;
    }
    const around = roundOut(decision.mapAround ?? IntervalSet.EMPTY).intersect(this.ram);
    const dest = destinationContainers(kernel, there.host, groups, this.ramMaps('cold', around), this.ramMaps('runtime', around), this.trace, to.file);
    if (dest.status !== 'ok') {
      this.refusals += dest.refusals;
      return;
    }
    this.refusals += this.vfio.refusals;
    this.m.migrationsOk++;
    this.host = there.host;
    this.under = there;
    this.view = view;
    this.vfio = dest.target;
    this.unmappedByVmm = this.unmappedByVmm.union(around);
    this.g.tell(this.vmm.route);
    this.trace('vmm', `migrated to ${to.file} (${to.host.platform}, kernel ${kernel.era} as ${there.version})`);
  }

  /** Before any attach: the host with the VMM's SW_MSI window set on each device (IOMMU_OPTION_SW_MSI_START/SIZE). */
  private useHost(under: HostUnderPolicy): void {
    this.trace('vmm', `${this.us.id} sets the SW_MSI window ${formatRange(this.window!)} on every device before attach`);
    this.refusals += windowRefusals(under, this.window, this.trace);
    this.under = under;
    ({ host: this.host, view: this.view } = under);
    this.vfio = new Containers(under.kernel, this.trace);
  }

  /** Exact mode: the probability that this path of the scenario loses data, and loses some silently. */
  lossProbability(): LossProbabilities { return this.g.lossProbability(); }

  /** Exact mode: whether DMA met any danger range, and the RAM each placement drew from (engine/exact.ts). */
  get reach() { return this.g.reach; }

  private applyMapAround(decision: Decision): void {
    if (decision.action !== 'proceed' || !decision.mapAround || decision.mapAround.isEmpty) return;
    const around = roundOut(decision.mapAround).intersect(this.ram);
    this.unmappedByVmm = this.unmappedByVmm.union(around);
    this.vfio.remapAround(around);
  }

  /** RAM as QEMU's listener maps it in `phase`, split around what the VMM keeps unmapped. */
  private ramMaps(phase: Phase, alsoAround = IntervalSet.EMPTY): Section[] {
    return this.mem.sections(phase, this.unmappedByVmm.union(alsoAround));
  }

  private device(name: string): DeviceSpec {
    const d = this.s.devices.find((x) => x.name === name);
    if (!d) throw new Error(`unknown device ${name}`);
    return d;
  }
}
