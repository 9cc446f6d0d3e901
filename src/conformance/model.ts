// doorbell's side of the conformance cases: the ONLY file that calls into the
// model (the importer, kernelFor/newContainer, layoutFor, the engine's
// trial). When the model's public functions change, this is what to adjust.
import { hex } from '../model/addr.js';
import type { Host } from '../model/host.js';
import { IntervalSet } from '../model/intervals.js';
import { parseCaptureText } from '../import/sysfs.js';
import { captureToHost, hostToYaml } from '../import/to-host.js';
import { kernelFor } from '../kernel/index.js';
import type { Container, KernelResult } from '../kernel/types.js';
import { type LayoutRequest, guestPhysBits, layoutFor } from '../vmm/layout.js';
import { listenerSections } from '../vmm/listener.js';
import { freeAddress } from '../vmm/device-memory.js';
import { runTrial } from '../engine/trial.js';
import { resolvePolicy } from '../engine/policies.js';
import { parseScenario } from '../scenario/load.js';
import type { HostFacts, KernelStep, LayoutCase, Series, VmmCase } from './types.js';

/** What `doorbell import sysfs CAPTURE --arch --iommu --aperture-bits --kernel` gives. */
export function importOptions(facts: HostFacts, series: Series, platform: string) {
  return { platform, arch: facts.arch, iommu: facts.iommu, apertureBits: facts.apertureBits, physBits: 48, kernel: series, swMsi: 'auto' as const };
}

/**
 * The model's host for a booted guest: its capture through the importer,
 * plus what sysfs does not show: whether MSIs are isolated (GICv2 has no
 * ITS; the host file's msi_isolation).
 */
export function hostFromCapture(capture: string, file: string, facts: HostFacts, series: Series, platform: string): { host: Host; yaml: string } {
  const { host: imported, notes } = captureToHost(parseCaptureText(capture, file), importOptions(facts, series, platform));
  const host: Host = facts.msiIsolation ? imported : { ...imported, msiIsolation: false };
  const yaml = hostToYaml(host, notes.map((n) => `inferred: ${n}`));
  return { host, yaml: facts.msiIsolation ? yaml : `${yaml}msi_isolation: false\n` };
}

const errnoOf = (r: KernelResult) => (r.status === 'ok' ? '0' : `-${r.errno}`);

/** One kernel-tier case through the type1 model; per step the model's answer, or why it has none. */
export function kernelCaseModel(host: Host, groupOf: (t: string) => number | undefined, steps: readonly KernelStep[]): Array<string | { skip: string }> {
  const kernel = kernelFor('type1', host);
  let container: Container | undefined;
  let group: number | undefined;
  let attached = false;
  let entryLimit = 65535;
  const out: Array<string | { skip: string }> = [];
  for (const s of steps) {
    switch (s.op) {
      case 'limit':
        entryLimit = s.entries; // vfio_iommu_type1_open reads dma_entry_limit: the next container
        out.push({ skip: 'a module parameter, not a model call' });
        break;
      case 'container':
        container = kernel.newContainer();
        attached = false;
        out.push('0');
        break;
      case 'group':
        group = groupOf(s.target);
        out.push({ skip: 'compared with VFIO_SET_IOMMU as one attach' });
        break;
      case 'iommu': {
        const g = host.groups.find((x) => x.id === group);
        if (!container || !g) { out.push({ skip: 'no group' }); break; }
        const r = container.attach(g);
        attached = r.status === 'ok';
        if (attached) fillToLimit(container, entryLimit);
        out.push(errnoOf(r));
        break;
      }
      case 'info':
        if (!attached || !container) { out.push({ skip: 'no IOMMU on the container' }); break; }
        out.push((container.validRanges() ?? IntervalSet.EMPTY).ranges.map((r) => `${hex(r.start)}-${hex(r.last)}`).join(' ') || '(none)');
        break;
      case 'map':
      case 'unmap':
        if (!attached || !container) { out.push({ skip: 'ioctls on a container without an IOMMU are outside the model' }); break; }
        if (s.op === 'unmap') {
          container.unmap({ start: s.iova, last: s.iova + s.size - 1n });
          out.push('0'); // the model's unmap has no error path (QEMU unmaps whole mappings)
        } else out.push(errnoOf(container.map({ start: s.iova, last: s.iova + s.size - 1n })));
        break;
    }
  }
  return out;
}

/**
 * The model's entry limit is the kernel default (DMA_ENTRY_LIMIT); a lower
 * dma_entry_limit is the same as that many mappings already there: fill the
 * difference with pages at 256 GiB, clear of every case's addresses.
 */
function fillToLimit(c: Container, limit: number): void {
  for (let i = 0n; i < BigInt(65535 - limit); i++) {
    const start = 0x4000000000n + i * 0x1000n;
    if (c.map({ start, last: start + 0xfffn }).status !== 'ok') throw new Error(`filler map at ${hex(start)} refused`);
  }
}

/**
 * A QEMU command line as the model's layout request: the binary's version
 * decides the phys-bits exit, a versioned machine type (pc-q35-7.0) the AMD
 * relocation; every case's CPU is a named model (TCG), so 40 phys-bits
 * unless phys-bits=N is given.
 */
function layoutInputs(c: { machine: string; cpu?: string | undefined; ramMiB: number; maxMiB?: number | undefined; dimmMiB?: number | undefined }, qemu: string) {
  const virt = c.machine.startsWith('virt');
  const machine = virt ? ('virt' as const) : c.machine.startsWith('pc-q35') || c.machine === 'q35' ? ('q35' as const) : ('pc' as const);
  const machineVersion = /-(\d+\.\d+)$/.exec(c.machine)?.[1];
  const cpu = c.cpu ?? (virt ? 'cortex-a57' : 'qemu64');
  const explicit = /phys-bits=(\d+)/.exec(cpu)?.[1];
  const physBits = guestPhysBits('named', explicit === undefined ? undefined : Number(explicit), 48);
  const cpuVendor = virt ? ('arm' as const) : /EPYC|Opteron|qemu64|phenom/i.test(cpu) ? ('amd' as const) : ('intel' as const);
  // -m RAM,slots=2,maxmem=MAX
  const hotplugMemory = c.maxMiB ? { hotplugMemory: { bytes: BigInt(c.maxMiB - c.ramMiB) << 20n, slots: 2 } } : {};
  const req: LayoutRequest = { machine, ram: BigInt(c.ramMiB) << 20n, qemu, ...(machineVersion ? { machineVersion } : {}), cpuVendor, physBits, ...hotplugMemory };
  return { req, explicitPhysBits: explicit };
}

export type LayoutAnswer = { readonly ram: readonly string[]; readonly dimm?: string } | { readonly exit: string };

/**
 * Layout tier: the RAM sections of the flat view after machine init (the
 * listener's runtime phase; -nodefaults: no VGA), and where a pc-dimm goes.
 */
export function layoutModel(c: LayoutCase, qemu: string): LayoutAnswer {
  const { req } = layoutInputs(c, qemu);
  const lay = layoutFor(req);
  if (lay.status === 'error') return { exit: lay.message };
  const ram = listenerSections(req.machine, lay.ram, 'runtime', false).filter((x) => !x.rom).map((r) => `${hex(r.start)}-${hex(r.last)}`);
  if (!c.dimmMiB) return { ram };
  const at = lay.deviceMemory ? freeAddress(lay.deviceMemory, IntervalSet.EMPTY, BigInt(c.dimmMiB) << 20n) : undefined;
  return { ram, dimm: at === undefined ? '(none)' : hex(at) };
}

/** VMM tier: the engine's trial of the same VM on the imported host, under kernel-rejects (type1, no VMM check). */
export function vmmModel(hostYaml: string, group: number, c: VmmCase, qemu: string): { outcome: string; detail: string } {
  const { req: v, explicitPhysBits } = layoutInputs(c, qemu);
  const indented = hostYaml.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => `  ${l}`).join('\n');
  const timeline = c.phase === 'hotplug' ? ['  - start: { devices: [] }', '  - hotplug: nic'] : ['  - start: { devices: [nic] }'];
  if (c.phase === 'dimm') timeline.push(`  - memory-hotplug: { kind: pc-dimm, size: ${c.dimmMiB}MiB }`);
  const scenario = parseScenario([
    `name: conformance-${c.name.toLowerCase().replace(/[^a-z0-9._-]/g, "-")}`, 'title: conformance', 'source: conformance', 'description: conformance',
    'host:', indented,
    `vm: { machine: ${v.machine}, ram: ${c.ramMiB}MiB, qemu: "${v.qemu}"${v.machineVersion ? `, machine_version: "${v.machineVersion}"` : ''}, cpu_vendor: ${v.cpuVendor}, cpu_model: named${explicitPhysBits ? `, phys_bits: ${explicitPhysBits}` : ''}, vga: false }`,
    'devices:', `  - { name: nic, group: ${group}, workload: { buffers: 1, buffer_size: 4KiB } }`,
    'timeline:', ...timeline, '',
  ].join('\n'), `conformance/${c.name}.yaml`);
  const calls: Array<{ call: string; result: string }> = [];
  let exit = '';
  const r = runTrial({
    scenario, policy: resolvePolicy('kernel-rejects').instance, seed: 'conformance', trial: 0,
    trace: (kind, text, data) => {
      if (kind === 'kernel' && data && typeof data.call === 'string') calls.push({ call: data.call, result: String(data.result ?? '') });
      const m = /^qemu: (.*); the VM does not start$/.exec(text);
      if (kind === 'vmm' && m) exit = m[1]!;
    },
  });
  if (r.status !== 'ok') return { outcome: 'model-error', detail: r.message };
  const refusedCall = calls.find((x) => x.result !== '0');
  const failing = refusedCall ? callText(refusedCall) : '';
  if (c.phase === 'start') {
    if (r.vmStarted) return { outcome: 'starts', detail: '' };
    return r.startFailure === 'layout' ? { outcome: 'qemu-exits', detail: exit } : { outcome: 'start-fails', detail: failing };
  }
  if (c.phase === 'hotplug') {
    if (!r.vmStarted) return r.startFailure === 'layout' ? { outcome: 'qemu-exits', detail: exit } : { outcome: 'start-fails', detail: failing };
    return r.hotplugOk ? { outcome: 'hotplug-ok', detail: '' } : { outcome: 'hotplug-refused', detail: failing };
  }
  const lastMap = [...calls].reverse().find((x) => x.call.startsWith('vfio_dma_map'));
  const dimmAt = lastMap ? /iova=(0x[0-9a-f]+)/.exec(lastMap.call)?.[1] ?? '?' : '?';
  if (!r.vmStarted) return { outcome: 'start-fails', detail: failing };
  return r.vmCrashed ? { outcome: 'vm-aborts', detail: `dimm at ${dimmAt}` } : { outcome: 'ram-added', detail: `dimm at ${dimmAt}` };
}

/** "vfio_dma_map(iova=0x40000000, size=0xbef00000)" refused with -EINVAL → "map 0x40000000+0xbef00000 = -EINVAL". */
function callText(x: { call: string; result: string }): string {
  const m = /vfio_dma_map\(iova=(0x[0-9a-f]+), size=(0x[0-9a-f]+)\)/.exec(x.call);
  return m ? `map ${m[1]}+${m[2]} = ${x.result}` : `attach = ${x.result}`;
}
