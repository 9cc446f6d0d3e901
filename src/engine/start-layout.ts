// Guest RAM at VM creation: the machine's layout, then what a policy that
// plans at creation reserves in the firmware tables (RAM laid out around it).
import { type Range, formatRange } from '../model/addr.js';
import { IntervalSet } from '../model/intervals.js';
import type { HostView, LayoutRequest, PolicyInstance } from '../policy.js';
import { hostFor } from './host-view.js';
import type { Scenario } from '../scenario/types.js';
import { hotplugMemoryOf } from '../vmm/device-memory.js';
import { guestPhysBits, layoutFor, roundOut } from '../vmm/layout.js';
import { MemoryMap } from '../vmm/memory-map.js';
import { reserveAround } from '../vmm/reserve.js';
import { PolicyError } from './result.js';
import type { Trace } from './trace.js';
import { policyCall } from './trial-input.js';

export type StartLayout =
  | { readonly status: 'error' }
  | {
      readonly status: 'ok'; readonly ram: IntervalSet; readonly firmwareReserved: IntervalSet; readonly mem: MemoryMap; readonly standard: IntervalSet;
      /** What QEMU's layout uses above the standard RAM's top: device memory and the 64-bit PCI hole (x86; 0 elsewhere). */
      readonly aboveRam: bigint;
    };

export function layOutAtStart(s: Scenario, hostPhysBits: number, policy: PolicyInstance, plan: () => Pick<LayoutRequest, 'plan' | 'declared'>, coldGroups: readonly number[], trace: Trace): StartLayout {
  const vm = s.vm;
  const physBits = guestPhysBits(vm.cpuModel, vm.physBits, hostPhysBits);
  const skips = policy.skipsAmdHtRelocation?.bind(policy);
  const skipAmdHtRelocation = skips ? policyCall(policy, 'skipsAmdHtRelocation', () => skips(plan().declared)) === true : false;
  if (skipAmdHtRelocation) trace('vmm', 'the host reports no HT hole: RAM laid out without the AMD 1 TiB relocation');
  const layout = layoutFor({ ...vm, physBits, hotplugMemory: hotplugMemoryOf(s.timeline), skipAmdHtRelocation });
  if (layout.status === 'error') {
    trace('vmm', `qemu: ${layout.message}; the VM does not start`);
    return { status: 'error' };
  }
  let ram: readonly Range[] = layout.ram;
  let firmwareReserved = IntervalSet.from(layout.firmwareReserved);
  // Only a policy that plans at creation needs every host and group the VM may meet.
  const reserveAtCreation = policy.reserveAtCreation?.bind(policy);
  const reserve = reserveAtCreation ? policyCall(policy, 'reserveAtCreation', () => reserveAtCreation({ ram: IntervalSet.from(ram), ...plan(), coldGroups })) : undefined;
  if (reserve !== undefined && !(reserve instanceof IntervalSet)) throw new PolicyError(`policy ${policy.id}: reserveAtCreation returned ${typeof reserve}, expected an IntervalSet`);
  if (reserve && !reserve.isEmpty) {
    const laid = reserveAround(vm.machine, ram, reserve);
    if (laid.status === 'error') {
      trace('vmm', `firmware tables reserve ${reserve.ranges.map(formatRange).join(' ')}: ${laid.message}; the guest cannot boot`);
      return { status: 'error' };
    }
    ram = laid.ram;
    firmwareReserved = firmwareReserved.union(roundOut(reserve));
    trace('vmm', `firmware tables reserve ${reserve.ranges.map(formatRange).join(' ')}; RAM laid out as ${ram.map(formatRange).join(' ')}`);
  }
  const mem = new MemoryMap(vm.machine, vm.vga, ram, layout.deviceMemory, reserve && roundOut(reserve));
  const standard = IntervalSet.from(layout.ram);
  const top = standard.max() ?? 0n;
  return { status: 'ok', ram: IntervalSet.from(ram), firmwareReserved, mem, standard, aboveRam: layout.maxUsedGpa > top ? layout.maxUsedGpa - top : 0n };
}

/**
 * The VMM's SW_MSI window (policy.msiWindow), chosen at creation from the
 * guest layout: RAM and the memory-hotplug region, and every host and group
 * the VM may meet. Undefined: the kernel's own.
 */
export function chooseMsiWindow(policy: PolicyInstance, mem: MemoryMap, ram: IntervalSet, plan: () => Pick<LayoutRequest, 'plan' | 'declared'>, coldGroups: readonly number[]): Range | undefined {
  const pick = policy.msiWindow?.bind(policy);
  if (!pick) return undefined;
  const taken = mem.deviceMemory ? ram.union(IntervalSet.of(mem.deviceMemory)) : ram;
  const w = policyCall(policy, 'msiWindow', () => pick({ ram: taken, ...plan(), coldGroups }));
  if (w !== undefined && (typeof w !== 'object' || typeof w.start !== 'bigint' || typeof w.last !== 'bigint' || w.last < w.start)) throw new PolicyError(`policy ${policy.id}: msiWindow returned ${String(w)}, expected a Range of bigints or undefined`);
  return w;
}

/**
 * For a policy that plans at creation: every host and group the VM may meet
 * (`plan`), and what the VMM is told at creation (`declared`: the cold
 * groups, the scenario's declared_at_creation devices and destinations).
 */
export function creationPlan(s: Scenario, policy: PolicyInstance, view: HostView, coldGroups: readonly number[]): Pick<LayoutRequest, 'plan' | 'declared'> {
  const groupOf = (name: string) => s.devices.find((d) => d.name === name)!.group;
  const hotplugged = s.timeline.flatMap((e) => (e.kind === 'hotplug' ? e.pool.map((p) => groupOf(p.device)) : []));
  const groups = [...new Set([...coldGroups, ...hotplugged])];
  const dests = s.timeline.flatMap((e) => (e.kind === 'migrate' ? e.pool : []));
  const known = [...new Set([...coldGroups, ...s.declaredAtCreation.devices.map(groupOf)])];
  const declaredDests = [...new Map(dests.filter((d) => s.declaredAtCreation.hosts.includes(d.file)).map((d) => [d.file, d.host])).values()];
  return {
    plan: [{ view, groups }, ...dests.map((d) => ({ view: hostFor(policy, d.host).view, groups }))],
    declared: [{ view, groups: known }, ...declaredDests.map((h) => ({ view: hostFor(policy, h).view, groups: known }))],
  };
}
