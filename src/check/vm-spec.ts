// The one adapter from a VM as written (VmInput) to a scenario's VM (VmSpec):
// machine type and its version, the vCPU's vendor and phys-bits. Every value
// it assumes is returned as a note, printed with the verdicts.
import type { Host } from '../model/host.js';
import { SCENARIO_DEFAULTS as D } from '../scenario/defaults.js';
import type { VmSpec } from '../scenario/types.js';
import { type VmInput, failAt } from './vm-input.js';

export interface CheckedVm {
  readonly spec: VmSpec;
  readonly arch: 'x86_64' | 'aarch64';
  /** The CPU model as QEMU gets it (for a scenario field cpu_model, once there is one). */
  readonly cpuModel: string;
  /** What QEMU's messages start with, and the RAM region a failed map names. */
  readonly binary: string;
  readonly ramRegion: string;
  readonly notes: readonly string[];
}

/**
 * pc-q35-7.0 → q35 with 7.0's compat properties (the AMD 1 TiB rule follows
 * the machine type, not the binary: hw/i386/pc.c enforce_amd_1tb_hole, false
 * for machine types before 7.1); q35, pc, virt are aliases of the newest.
 */
export function machineOf(name: string): { family: 'q35' | 'pc' | 'virt'; version?: string } | undefined {
  const versioned = (prefix: string) => (name.startsWith(prefix) ? name.slice(prefix.length) : undefined);
  const isVersion = (v: string | undefined) => v !== undefined && /^[0-9]+\.[0-9]+(\.[0-9]+)?$/.test(v);
  if (name === 'q35' || name === 'pc' || name === 'virt') return { family: name };
  for (const [prefix, family] of [['pc-q35-', 'q35'], ['pc-i440fx-', 'pc'], ['pc-', 'pc'], ['virt-', 'virt']] as const) {
    const v = versioned(prefix);
    if (v === undefined) continue;
    if (isVersion(v)) return { family, version: v };
    // Distribution types (pc-q35-rhel9.2.0, pc-q35-jammy): the family is known, the upstream version is not.
    if (/^[a-z]+[0-9.]*(-hpb)?$/.test(v)) return { family };
  }
  return undefined;
}

/** Vendors of QEMU's x86 CPU models (target/i386/cpu.c builtin_x86_defs); qemu64 and max are AuthenticAMD under TCG. */
function modelVendor(model: string): 'amd' | 'intel' | undefined {
  const m = model.toLowerCase();
  if (['qemu64', 'qemu32', 'max', 'phenom', 'athlon'].includes(m) || m.startsWith('epyc') || m.startsWith('opteron')) return 'amd';
  if (['host', 'host-model'].includes(m)) return undefined;
  return 'intel';
}

export function toVmSpec(vm: VmInput, host: Host, opts: { qemu?: string } = {}): CheckedVm {
  const notes: string[] = [];
  const machine = machineOf(vm.machine.name);
  if (!machine) failAt(vm.machine.at, `machine type '${vm.machine.name}'`, 'pc, q35 or virt, versioned (pc-q35-7.0, virt-7.2) or not');
  const arch = vm.arch ?? (machine.family === 'virt' ? 'aarch64' : 'x86_64');
  if ((machine.family === 'virt') !== (arch === 'aarch64')) failAt(vm.machine.at, `machine type '${vm.machine.name}' for a ${arch} guest`, arch === 'aarch64' ? 'virt or virt-X.Y' : 'pc, q35, pc-q35-X.Y or pc-i440fx-X.Y');
  let qemu = machine.version;
  if (qemu === undefined) {
    qemu = opts.qemu ?? D.vm.qemu;
    notes.push(`machine type '${vm.machine.name}' names no upstream version: QEMU ${qemu} rules assumed (${opts.qemu ? '--qemu' : 'default; set with --qemu VERSION'})`);
  } else if (opts.qemu && opts.qemu !== qemu) {
    notes.push(`--qemu ${opts.qemu} ignored: the machine type ${vm.machine.name} fixes the layout rules at ${qemu}`);
  }
  if (vm.coldDimmBytes > 0n) notes.push(`${vm.coldDimmBytes} bytes of cold-plugged DIMMs not modelled (boot RAM only)`);
  let cpuVendor: VmSpec['cpuVendor'] = 'arm';
  let physBits = host.physBits;
  if (arch === 'x86_64') {
    const hostVendor = host.iommu === 'amd' ? 'amd' : 'intel';
    if (vm.accel === 'kvm') {
      // target/i386/host-cpu.c host_cpu_instance_init: under KVM every model takes the host's vendor.
      cpuVendor = host.arch === 'x86_64' ? hostVendor : (modelVendor(vm.cpu.model) ?? 'intel');
    } else {
      cpuVendor = modelVendor(vm.cpu.model) ?? hostVendor;
      if (vm.cpu.model === 'host') failAt(vm.cpu.at, '-cpu host without KVM', '-accel kvm (or domain type=\'kvm\'), or a named CPU model');
    }
    physBits = guestPhysBits(vm, host, notes);
    notes.push(`vCPU ${vm.cpu.model} (${vm.accel.toUpperCase()}): ${cpuVendor === 'amd' ? 'AuthenticAMD' : 'GenuineIntel'}, ${physBits} phys-bits`);
  }
  const cpuModel = vm.cpu.model === 'host' || vm.cpu.model === 'max' ? vm.cpu.model : 'named';
  // QEMU's default display (-vga std on x86) claims 0xa0000-0xbffff unless -nodefaults / -vga none (vmm/listener.ts).
  const spec: VmSpec = { machine: machine.family, ram: vm.ram, qemu, cpuVendor, cpuModel, physBits, vga: D.vm.vga, viommu: D.vm.viommu, swMsiDoorbells: D.vm.swMsiDoorbells };
  return {
    spec,
    arch,
    cpuModel: vm.cpu.model,
    binary: `qemu-system-${arch}`,
    ramRegion: vm.ramRegion ?? (arch === 'aarch64' ? 'mach-virt.ram' : 'pc.ram'), // hw/arm/virt.c, hw/i386/pc.c memory_region names
    notes,
  };
}

/**
 * target/i386/cpu.c: phys-bits=N wins; host-phys-bits (set by -cpu host/max
 * under KVM, host_cpu_max_instance_init) takes the host's, capped by
 * host-phys-bits-limit; any other model gets TCG_PHYS_ADDR_BITS, 40.
 */
function guestPhysBits(vm: VmInput, host: Host, notes: string[]): number {
  if (vm.cpu.physBits !== undefined) return vm.cpu.physBits;
  const hostBits = vm.cpu.hostPhysBits ?? (vm.accel === 'kvm' && (vm.cpu.model === 'host' || vm.cpu.model === 'max'));
  if (hostBits) {
    const limit = vm.cpu.hostPhysBitsLimit;
    return limit !== undefined && limit < host.physBits ? limit : host.physBits;
  }
  notes.push(`vCPU ${vm.cpu.model} names no phys-bits: QEMU's default of 40 applies`);
  return 40;
}
