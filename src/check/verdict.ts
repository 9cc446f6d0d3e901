// `doorbell check`: one VM on one host under every policy. Each policy plays
// the VM's timeline once (start, then the hotplug asked for; outcomes there
// are deterministic) and its silent-loss risk is computed exactly over the
// model's draws (engine/exact.ts).
import { formatRange, formatSize } from '../model/addr.js';
import { type Host, kernelAtLeast } from '../model/host.js';
import { IntervalSet } from '../model/intervals.js';
import { exactLoss } from '../engine/exact.js';
import { exactOverBudget } from '../scenario/work-budget.js';
import type { ResolvedPolicy } from '../engine/policies.js';
import { runTrial } from '../engine/trial.js';
import type { TraceData, TraceKind } from '../engine/trace.js';
import { SCENARIO_DEFAULTS as D } from '../scenario/defaults.js';
import type { Scenario, TimelineEvent } from '../scenario/types.js';
import { guestPhysBits, layoutFor } from '../vmm/layout.js';
import { HINT_CHANNELS } from '../guest/channels/registry.js';
import type { CheckedVm } from './vm-spec.js';

export interface CheckDevice {
  readonly name: string;
  readonly bdf: string;
  readonly group: number;
}

export interface CheckPlan {
  readonly host: Host;
  readonly vm: CheckedVm;
  readonly file: string;
  readonly devices: readonly CheckDevice[];
  /** A device of the VM to leave out at start and hot-add once it runs. */
  readonly hotplug?: string;
  readonly memory?: { readonly size: bigint; readonly kind: 'pc-dimm' | 'virtio-mem' };
  readonly seed: string;
}

/** The VM as a scenario: default workloads and guest, the timeline the user asked for. */
export function checkScenario(plan: CheckPlan): Scenario {
  const cold = plan.devices.filter((d) => d.name !== plan.hotplug).map((d) => d.name);
  const timeline: TimelineEvent[] = [{ kind: 'start', devices: cold }];
  if (plan.hotplug) timeline.push({ kind: 'hotplug', pool: [{ device: plan.hotplug, weight: 1 }], chance: 1 });
  if (plan.memory) timeline.push({ kind: 'memory-hotplug', memKind: plan.memory.kind, size: plan.memory.size, chance: 1 });
  timeline.push({ kind: 'dma', operations: D.dma.operations, rounds: D.dma.rounds, churn: D.dma.churn });
  return {
    name: 'check', title: `doorbell check ${plan.file}`, source: plan.file, description: 'a VM as its owner runs it', file: plan.file, sha256: '',
    host: plan.host, files: [], vm: plan.vm.spec, guests: D.guests, vmms: D.vmms, declaredAtCreation: D.declaredAtCreation, // check runs the VM as QEMU runs it
    devices: plan.devices.map((d) => ({ name: d.name, group: d.group, workload: D.workload })), timeline,
  };
}

/** Linux errno values and glibc's strerror texts, as QEMU's `= %d (%s)` prints them. */
const ERRNO: Record<string, [number, string]> = {
  EPERM: [1, 'Operation not permitted'], EINVAL: [22, 'Invalid argument'], EEXIST: [17, 'File exists'], ENOSPC: [28, 'No space left on device'],
  EADDRINUSE: [98, 'Address already in use'], EOVERFLOW: [75, 'Value too large for defined data type'],
};

interface Ev {
  readonly kind: TraceKind;
  readonly text: string;
  readonly data?: TraceData;
}

/** The error QEMU reports for a refused kernel call (hw/vfio/listener.c, container.c); undefined if none was refused. */
function qemuError(events: readonly Ev[], plan: CheckPlan): { bdf: string; text: string } | undefined {
  let group: number | undefined;
  let failed: Ev | undefined;
  for (const e of events) {
    if (e.kind !== 'kernel' || !e.data) continue;
    const call = String(e.data['call'] ?? '');
    const g = /^attach group ([0-9]+)/.exec(call);
    if (g) group = Number(g[1]);
    if (e.data['result'] !== 0) failed = e;
  }
  if (!failed || group === undefined) return undefined;
  const name = String(failed.data!['result']).slice(1);
  const [num, text] = ERRNO[name] ?? [0, name];
  const bdf = plan.devices.find((d) => d.group === group)?.bdf ?? `group ${group}`;
  const call = String(failed.data!['call']);
  const map = /^vfio_dma_map\(iova=(0x[0-9a-f]+), size=(0x[0-9a-f]+)\)/.exec(call);
  // vfio_dma_map until QEMU 8.2; vfio_container_dma_map from 9.0 (qemu/qemu commit b08501a999e2).
  const fn = kernelAtLeast(plan.vm.spec.qemu, '9.0') ? 'vfio_container_dma_map' : 'vfio_dma_map';
  const why = map
    ? `memory listener initialization failed: Region ${plan.vm.ramRegion}: ${fn}(0x..., ${map[1]}, ${map[2]}, 0x...) = -${num} (${text})`
    : `Failed to set iommu for container: ${text}`;
  const region = failed.data!['region'] ? ` [over ${String(failed.data!['region'])}]` : '';
  return { bdf, text: `vfio ${bdf}: failed to setup container for group ${group}: ${why}${region}` };
}

export interface PolicyVerdict {
  readonly policy: string;
  readonly lines: readonly string[];
  readonly started: boolean;
  readonly loss: number | undefined;
}

export function verdictFor(policy: ResolvedPolicy, plan: CheckPlan, scenario = checkScenario(plan)): PolicyVerdict {
  const events: Ev[] = [];
  const r = runTrial({ scenario, policy: policy.instance, seed: plan.seed, trial: 0, trace: (kind, text, data) => events.push(data ? { kind, text, data } : { kind, text }) });
  const era = events.find((e) => e.kind === 'policy')?.text.match(/kernel (\S+)/)?.[1] ?? '?';
  const head = `${policy.id} (kernel ${era})`;
  if (r.status !== 'ok') return { policy: policy.id, lines: [`${head}: could not be played: ${r.message}`], started: false, loss: undefined };
  const lines: string[] = [];
  const vmm = (needle: string) => events.find((e) => e.kind === 'vmm' && e.text.includes(needle))?.text;
  if (!r.vmStarted) {
    if (r.startFailure === 'layout') lines.push(`does not start: ${plan.vm.binary}: ${(vmm('qemu: ') ?? '').replace(/^qemu: /, '').replace(/; the VM does not start$/, '')}`);
    else if (r.startFailure === 'vmm') lines.push(`does not start: the VMM's own check refuses (${(vmm('refuses to start') ?? '').replace(/^qemu refuses to start: /, '')})`);
    else {
      const e = qemuError(events, plan);
      lines.push(`does not start: ${e ? `${plan.vm.binary}: -device vfio-pci,host=${e.bdf}: ${e.text}` : 'the kernel refused'}`);
    }
  } else lines.push('starts');
  if (r.vmStarted && plan.hotplug) {
    const after = events.slice(events.findIndex((e) => e.kind === 'policy' && e.text.startsWith('hotplug:')));
    if (r.hotplugOk > 0) lines.push(`device_add ${plan.hotplug}: succeeds`);
    else if (r.hotplugAbortedVmm > 0) lines.push(`device_add ${plan.hotplug}: refused by the VMM's own check (${(vmm(`device_add ${plan.hotplug}: aborted by the VMM: `) ?? '').split('aborted by the VMM: ')[1] ?? ''}); the VM keeps running`);
    else lines.push(`device_add ${plan.hotplug}: fails: ${qemuError(after, plan)?.text ?? 'the kernel refused'}; the VM keeps running`);
  }
  if (r.vmStarted && plan.memory) {
    const what = `${plan.memory.kind} of ${formatSize(plan.memory.size)}`;
    if (r.vmCrashed) lines.push(`${what}: qemu: hardware error: vfio: DMA mapping failed, unable to continue; the VM aborts`);
    else if (r.memHotplugOk > 0) lines.push(`${what}: plugged`);
    else if (r.memHotplugAbortedVmm > 0) lines.push(`${what}: refused by the VMM's own check; the VM keeps running`);
    else lines.push(`${what}: plug rolled back (the map was refused); the VM keeps running`);
  }
  const exact = r.vmStarted ? exactLoss(scenario, policy.instance) : { data: 0, silent: 0 };
  const loss = exact?.data;
  lines.push(exact === undefined ? `DMA data loss: ${exactOverBudget(scenario) ?? 'not computable exactly for this VM'}` : `DMA data loss: ${percent(exact.data)} of runs (silent, nothing logs it: ${percent(exact.silent)})`);
  return { policy: policy.id, lines: lines.map((l, i) => (i === 0 ? `${head}: ${l}` : `  ${l}`)), started: r.vmStarted, loss };
}

function percent(p: number): string {
  if (p === 0) return '0%';
  return `${(p * 100).toPrecision(3).replace(/\.?0+$/, '')}%`;
}

/** The header: host, VM, RAM as QEMU lays it out, the reserved regions it covers. */
export function describe(plan: CheckPlan, hostNotes: readonly string[]): string[] {
  const h = plan.host;
  const out = [`host: ${h.platform} (${h.arch}, ${h.iommu}, kernel ${h.kernel}, ${h.groups.length} IOMMU group${h.groups.length === 1 ? '' : 's'})`];
  const v = plan.vm.spec;
  out.push(`vm: ${plan.file}: ${v.machine} (QEMU ${v.qemu} rules), ${formatSize(v.ram)} RAM, ${plan.devices.length ? plan.devices.map((d) => `${d.name === d.bdf ? d.bdf : `${d.name} = ${d.bdf}`} (group ${d.group})`).join(', ') : 'no assigned device'}`);
  const layout = layoutFor({ ...v, physBits: guestPhysBits(v.cpuModel, v.physBits, h.physBits) });
  if (layout.status === 'ok') {
    const ram = IntervalSet.from(layout.ram);
    out.push(`guest RAM: ${layout.ram.map(formatRange).join(' ')}`);
    const covered = plan.devices.flatMap((d) => (h.groups.find((g) => g.id === d.group)?.regions ?? []).filter((r) => ram.overlaps(r)).map((r) => `${formatRange(r)} ${r.type} (group ${d.group})`));
    if (covered.length) out.push(`guest RAM covers: ${[...new Set(covered)].join(', ')}`);
  }
  for (const n of [...hostNotes, ...plan.vm.notes]) out.push(`assumed: ${n}`);
  return out;
}

/** Runtime hints reach the guest only through channels no VMM implements (guest/channels/runtime-message.ts): the assumption says so. */
function runtimeHintsNote(): string {
  const runtime = HINT_CHANNELS.filter((c) => c.guestHonours === 'runtime');
  const hypothetical = runtime.filter((c) => c.status === 'hypothetical').map((c) => c.name);
  if (hypothetical.length === 0) return '';
  const what = hypothetical.length === runtime.length ? 'runtime hints are' : `runtime hints by ${hypothetical.join(' or ')} are`;
  return `; ${what} hypothetical (${hypothetical.join(', ')}): no VMM sends one and no Linux guest reads one`;
}

export const LOSS_ASSUMPTIONS = `DMA loss assumes each device's working set is ${D.workload.buffers} buffers of ${formatSize(D.workload.bufferBytes)} placed uniformly in guest RAM, ${D.dma.operations} DMA writes in ${D.dma.rounds} rounds with ${D.dma.churn * 100}% of buffers re-allocated between rounds, and a guest that honours firmware tables and runtime hints (the scenario defaults, scenarios/REFERENCE.yaml${runtimeHintsNote()}); it is the exact probability over those draws.`;
