// The work a scenario demands, estimated from the scenario alone before
// anything runs, and the budget it is checked against (WORK_BUDGET in
// limits.ts, documented in scenarios/REFERENCE.yaml). Over budget, a
// simulation is refused in one line (validate and run alike) and an exact
// value is not computed, with the reason in its place (engine/exact.ts).
// Estimates are upper bounds of what the engine's loops do, in "steps" of
// about a microsecond (measured): one DMA round of one device, one buffer
// over a dangerous range placed or followed for a round; attaching or
// remapping one device costs WORK_BUDGET.attachSteps (more in exact mode,
// where every attached device's densities are recomputed).
import { IntervalSet } from '../model/intervals.js';
import { type Host, beyondDmaLimit } from '../model/host.js';
import { hotplugMemoryOf } from '../vmm/device-memory.js';
import { guestPhysBits, layoutFor } from '../vmm/layout.js';
import { WORK_BUDGET } from './limits.js';
import type { DeviceSpec, Scenario } from './types.js';

export { WORK_BUDGET } from './limits.js';

/**
 * Paths of the scenario's discrete draws that the exact computation plays
 * (engine/trial-run.ts draws them in this order): the guest mix, the
 * userspace fleet, then per event its `chance` (happens or not) and its
 * pool. An upper bound: draws after a failed start or a crash are not made.
 */
export function exactPaths(s: Scenario): bigint {
  let paths = BigInt(s.guests.filter((g) => g.weight > 0).length) * BigInt(s.vmms.length > 1 ? s.vmms.length : 1);
  for (const ev of s.timeline.slice(1)) {
    const pool = ev.kind === 'hotplug' || ev.kind === 'migrate' ? BigInt(ev.pool.length) : 1n;
    const maybe = 'chance' in ev && ev.chance > 0 && ev.chance < 1;
    paths *= maybe ? pool + 1n : pool;
  }
  return paths;
}

/**
 * Steps of one trial. `exact`: the analytic mode, where a working set is a
 * density whatever its size (guest/analytic-set.ts); otherwise buffers over
 * a dangerous range are placed and followed one by one (guest/working-set.ts),
 * as many as the share of guest RAM within reach of a reserved range allows.
 */
export function trialSteps(s: Scenario, exact = false): number {
  const byName = new Map(s.devices.map((d) => [d.name, d]));
  const reach = exact ? undefined : dangerShare(s);
  const followed = (name: string) => {
    const d = byName.get(name)!;
    return reach ? Math.min(d.workload.buffers, Math.ceil(d.workload.buffers * reach(d))) : 1;
  };
  const plugged = new Set<string>();
  const all = () => [...plugged].reduce((n, d) => n + followed(d), 0);
  const attach = () => plugged.size * (exact ? WORK_BUDGET.attachStepsExact : WORK_BUDGET.attachSteps);
  let steps = 0;
  for (const ev of s.timeline) {
    switch (ev.kind) {
      case 'start':
        for (const d of ev.devices) {
          plugged.add(d);
          steps += attach() + followed(d);
        }
        break;
      case 'hotplug':
        for (const p of ev.pool) plugged.add(p.device);
        steps += attach() + Math.max(...ev.pool.map((p) => followed(p.device)));
        break;
      case 'unplug':
        plugged.delete(ev.device);
        steps += 1;
        break;
      case 'dma':
        for (const d of ev.devices ?? plugged) steps += ev.rounds * (1 + 2 * followed(d));
        break;
      case 'memory-hotplug':
        steps += attach() + 1;
        break;
      case 'migrate':
        steps += attach() + 1 + all();
        break;
      case 'reboot':
        steps += 1 + all();
        break;
    }
  }
  return steps;
}

/**
 * Per device: the share of guest RAM where one of its buffers would touch a
 * reserved range or bridge window of any host the VM visits, RAM as the
 * machine lays it out at start plus its device-memory region (a policy that
 * lays RAM out around reserved ranges only lowers it). A VM whose layout
 * QEMU refuses never places a buffer.
 */
function dangerShare(s: Scenario): (d: DeviceSpec) => number {
  const vm = s.vm;
  const layout = layoutFor({ ...vm, physBits: guestPhysBits(vm.cpuModel, vm.physBits, s.host.physBits), hotplugMemory: hotplugMemoryOf(s.timeline) });
  if (layout.status === 'error') return () => 0;
  const ram = IntervalSet.from(layout.ram);
  const reachable = layout.deviceMemory ? ram.union(IntervalSet.of(layout.deviceMemory)) : ram;
  const hosts: Host[] = [s.host, ...s.timeline.flatMap((ev) => (ev.kind === 'migrate' ? ev.pool.map((p) => p.host) : []))];
  const ranges = hosts.flatMap((h) => [...h.groups.flatMap((g) => [...g.regions, ...(g.deviceRegions ?? []).flat(), ...[beyondDmaLimit(g)].filter((r) => r !== undefined)]), ...h.bridges]);
  const cache = new Map<bigint, number>();
  return (d) => {
    const size = d.workload.bufferBytes;
    if (!cache.has(size)) {
      // A buffer touches a range when it starts up to size - 1 bytes below it.
      const reach = IntervalSet.from(ranges.map((r) => ({ start: r.start > size - 1n ? r.start - (size - 1n) : 0n, last: r.last }))).intersect(reachable).measure();
      const total = ram.measure();
      cache.set(size, total === 0n || reach >= total ? 1 : Number(reach) / Number(total));
    }
    return cache.get(size)!;
  };
}

/** Steps of the exact computation: every path played once in analytic mode. */
export function exactSteps(s: Scenario): number {
  return Number(exactPaths(s)) * (WORK_BUDGET.exactStepsPerPath + trialSteps(s, true));
}

/** Why the exact value is not computed for this scenario, or undefined when it is within the budget. */
export function exactOverBudget(s: Scenario): string | undefined {
  const paths = exactPaths(s);
  const max = WORK_BUDGET.exactPaths;
  if (paths > BigInt(max)) return `not computed: over the work budget (${countText(paths)} paths > ${max})`;
  const steps = exactSteps(s);
  if (steps > WORK_BUDGET.exactSteps) return `not computed: over the work budget (${countText(BigInt(Math.ceil(steps)))} steps > ${WORK_BUDGET.exactSteps})`;
  return undefined;
}

/** Why `trials` trials of this scenario are refused, as [what is wrong, what was expected], or undefined. */
export function simulationOverBudget(s: Scenario, trials?: number): [string, string] | undefined {
  const steps = trialSteps(s);
  if (steps > WORK_BUDGET.trialSteps) return [`one trial of ${s.name} takes about ${countText(BigInt(steps))} steps`, `at most ${WORK_BUDGET.trialSteps} (scenarios/REFERENCE.yaml, work budget): fewer devices, events, rounds or buffers`];
  if (trials !== undefined && steps * trials > WORK_BUDGET.pairSteps) {
    return [`--trials ${trials} × about ${steps} steps per trial of ${s.name} is ${countText(BigInt(steps) * BigInt(trials))} steps`, `at most ${WORK_BUDGET.pairSteps} per scenario and policy: --trials ${Math.max(1, Math.floor(WORK_BUDGET.pairSteps / steps))} or fewer`];
  }
  return undefined;
}

/** A count as digits, or 10^N beyond 15 digits. */
function countText(n: bigint): string {
  const s = n.toString();
  return s.length <= 15 ? s : `about 10^${s.length - 1}`;
}
