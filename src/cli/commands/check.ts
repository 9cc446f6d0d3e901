// doorbell check VM: would this VM, as its owner runs it, start and keep its
// data on this host, under each policy?
import { defineCommand } from '../define.js';
import { InputError } from '../../errors.js';
import { parseQuantity } from '../../model/addr.js';
import { resolvePolicyList } from '../../engine/policies.js';
import { RUN_DEFAULTS } from '../../defaults.js';
import { readVmFile } from '../../check/read-vm.js';
import { readCheckHost } from '../../check/host-input.js';
import { assignGroups, parseDeviceFlags } from '../../check/devices.js';
import { toVmSpec } from '../../check/vm-spec.js';
import { LOSS_ASSUMPTIONS, type CheckPlan, checkScenario, describe, verdictFor } from '../../check/verdict.js';
import { parseSeed } from '../run-flags.js';

export default defineCommand({
  command: 'check <vm>',
  describe: 'Would this VM start and keep its data on this host? A verdict per policy',
  builder: (y) =>
    y
      .positional('vm', { type: 'string', demandOption: true, describe: 'a libvirt domain XML (virsh dumpxml NAME) or a file with a QEMU command line' })
      .option('host', { type: 'string', describe: 'a host file, a sysfs capture or a copied iommu_groups directory (default: this machine)' })
      .option('sysfs', { type: 'string', default: '/sys', describe: 'where this machine\'s sysfs is (for a copy of it)' })
      .option('device', { type: 'string', array: true, describe: 'NAME=GROUP: the IOMMU group of a VM device (repeatable)' })
      .option('hotplug', { type: 'string', describe: 'NAME: a device of the VM to hot-add once it runs, instead of at start' })
      .option('hotplug-memory', { type: 'string', describe: 'SIZE[:virtio-mem]: memory hot-added once the VM runs (pc-dimm by default)' })
      .option('qemu', { type: 'string', describe: 'QEMU version for a machine type without one (q35, pc, virt)' })
      .option('policy', { type: 'string', array: true, describe: 'NAME[:key=value,...] (repeatable; default: all)' })
      .option('seed', { type: 'string', default: RUN_DEFAULTS.seed, describe: 'seed of the trial played per policy' }),
  async run(args) {
    const seed = parseSeed(args.seed);
    const qemu = args.qemu === undefined ? undefined : String(args.qemu);
    if (qemu !== undefined && !/^[0-9]+(\.[0-9]+){0,2}$/.test(qemu)) throw new InputError(`--qemu: '${qemu}' is not a version`, 'a version such as 7.1');
    const memory = parseMemory(args.hotplugMemory);
    const flags = parseDeviceFlags((args.device ?? []).map(String));
    const policies = await resolvePolicyList((args.policy ?? []).map(String));
    const vmInput = readVmFile(String(args.vm));
    const { host, name: hostName, notes: hostNotes } = readCheckHost(args.host, String(args.sysfs));
    const vm = toVmSpec(vmInput, host, qemu ? { qemu } : {});
    const { devices, notes: groupNotes } = assignGroups(vmInput.devices, host, flags, hostName);
    if (args.hotplug !== undefined && !devices.some((d) => d.name === args.hotplug || d.bdf === args.hotplug)) {
      throw new InputError(`--hotplug: the VM has no device '${String(args.hotplug)}'`, devices.length ? `one of: ${devices.map((d) => d.name).join(', ')}` : 'a VM with vfio-pci devices');
    }
    if (memory && (vmInput.maxmem === undefined || vmInput.ram + memory.size > vmInput.maxmem)) {
      throw new InputError(`--hotplug-memory: ${vmInput.maxmem === undefined ? 'the VM has no maxmem' : 'RAM + the new memory exceeds maxmem'}`, 'a VM with -m ...,slots=N,maxmem=SIZE (libvirt <maxMemory slots=...>) and room for it');
    }
    const hotplug = devices.find((d) => d.name === args.hotplug || d.bdf === args.hotplug)?.name;
    const plan: CheckPlan = { host, vm, file: String(args.vm), devices, seed, ...(hotplug ? { hotplug } : {}), ...(memory ? { memory } : {}) };
    const scenario = checkScenario(plan);
    const out = process.stdout;
    for (const l of describe(plan, [...hostNotes, ...groupNotes])) out.write(`${l}\n`);
    out.write('\n');
    for (const p of policies) for (const l of verdictFor(p, plan, scenario).lines) out.write(`${l}\n`);
    out.write(`\n${LOSS_ASSUMPTIONS}\n`);
    return 0;
  },
});

function parseMemory(v: unknown): CheckPlan['memory'] {
  if (v === undefined) return undefined;
  const [sizeText = '', kind = 'pc-dimm'] = String(v).split(':');
  const size = parseQuantity(sizeText);
  if (size === undefined || size === 0n || size % 4096n !== 0n) throw new InputError(`--hotplug-memory: '${sizeText}' is not a size`, 'a multiple of 4 KiB such as 1GiB, optionally :virtio-mem');
  if (kind !== 'pc-dimm' && kind !== 'virtio-mem') throw new InputError(`--hotplug-memory: '${kind}' is not a memory device`, 'pc-dimm or virtio-mem');
  return { size, kind };
}
