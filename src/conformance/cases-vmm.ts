// VMM tier: the real QEMU as the VMM of a nested guest that never runs (-S):
// QEMU maps guest RAM for VFIO at machine init (qemu/qemu:hw/vfio/listener.c),
// so start, device_add and pc-dimm outcomes need no guest OS. Layout tier:
// the host's QEMU alone, `info mtree -f` after machine init.
import type { HostFacts, LayoutRun, VmmBoot, VmmCase } from './types.js';

const INTEL: HostFacts = { arch: 'x86_64', iommu: 'intel', apertureBits: 39, msiIsolation: true };
const AMD: HostFacts = { arch: 'x86_64', iommu: 'amd', apertureBits: 64, msiIsolation: true };
const SMMU: HostFacts = { arch: 'aarch64', iommu: 'arm-smmu-v3', apertureBits: 48, msiIsolation: true };

const virt = (phase: VmmCase['phase'], ramMiB: number, checks: string, name = `${phase}-virt-${ramMiB}M`): VmmCase =>
  ({ name, checks, phase, guest: 'aarch64', machine: 'virt', cpu: 'cortex-a57', ramMiB });

/** Launchpad 1869006: 0x40000000 + 3054 MiB = 0xfee00000. */
const LP1869006: readonly VmmCase[] = [
  virt('start', 3054, 'LP 1869006: ends just below the x86 MSI window: starts'),
  virt('start', 3055, 'LP 1869006: covers 0xfee00000: QEMU exits'),
  virt('hotplug', 3054, 'LP 1869006: device_add works'),
  virt('hotplug', 3055, 'LP 1869006: device_add fails, the VM keeps running'),
];

/** A pc-dimm hot-added to a virt guest: placed by the guest machine (hw/arm/virt.c device memory). */
const DIMM: readonly VmmCase[] = [
  { ...virt('dimm', 512, 'pc-dimm 512 MiB below the MSI window: added'), name: 'dimm-virt-512M+512M', dimmMiB: 512 },
  { ...virt('dimm', 512, 'pc-dimm 2 GiB over the MSI window: hw_error, the VM aborts'), name: 'dimm-virt-512M+2048M', dimmMiB: 2048 },
];

const q35 = (phase: VmmCase['phase'], machine: string, cpu: string, checks: string, name: string): VmmCase =>
  ({ name, checks, phase, guest: 'x86_64', machine, cpu, ramMiB: 1023 * 1024 });

/** Joao Martins' AMD case around the HyperTransport range (hw/i386/pc.c pc_memory_init, 8504f129450b). */
const AMD_HT: readonly VmmCase[] = [
  q35('start', 'q35', 'EPYC', 'QEMU ≥ 7.1, AMD vCPU: relocation to 1 TiB needs more than 40 phys-bits: QEMU exits', 'start-q35-epyc-1023G'),
  q35('start', 'pc-q35-7.0', 'EPYC,phys-bits=48', 'machine type 7.0: no relocation, RAM over the HT range: start fails', 'start-q35-7.0-epyc-pb48-1023G'),
  q35('start', 'q35', 'Skylake-Server,phys-bits=48', 'Intel vCPU: no relocation: start fails', 'start-q35-skylake-pb48-1023G'),
  q35('hotplug', 'pc-q35-7.0', 'EPYC,phys-bits=48', 'device_add into a 1023 GiB guest fails, the VM keeps running', 'hotplug-q35-7.0-epyc-pb48-1023G'),
];

/** QEMU 5.2 (bullseye): before the relocation and the phys-bits exit (1caab5cf86bd). */
const OLD_QEMU: readonly VmmCase[] = [
  q35('start', 'q35', 'EPYC', 'QEMU 5.2: no phys-bits exit: start fails on the HT range', 'start-q35-epyc-1023G'),
  q35('hotplug', 'q35', 'EPYC', 'QEMU 5.2: device_add fails on the HT range, the VM keeps running', 'hotplug-q35-epyc-1023G'),
  virt('start', 3055, 'LP 1869006 on QEMU 5.2'),
];

/** An x86 q35 guest on an arm64 host: RAM from 0 covers the SW_MSI window. */
const X86_ON_ARM: readonly VmmCase[] = [
  { name: 'start-q35-1G', checks: 'q35 RAM from 0 covers 0x8000000: start fails', phase: 'start', guest: 'x86_64', machine: 'q35', ramMiB: 1024 },
  { name: 'hotplug-q35-1G', checks: 'device_add fails, the VM keeps running', phase: 'hotplug', guest: 'x86_64', machine: 'q35', ramMiB: 1024 },
  virt('start', 3055, 'a virt guest from 1 GiB never meets the window'),
];

export const VMM_BOOTS: readonly VmmBoot[] = [
  { id: 'lp1869006-intel-6.1-q7.2', series: '6.1', iommu: 'intel', facts: INTEL, root: 'host', mem: '4608M', cases: [...LP1869006, ...DIMM] },
  { id: 'lp1869006-intel-6.12-q10.0', series: '6.12', iommu: 'intel', facts: INTEL, root: 'trixie', mem: '4608M', cases: [...LP1869006, ...DIMM] },
  { id: 'amd-ht-6.1-q7.2', series: '6.1', iommu: 'amd', facts: AMD, root: 'host', mem: '4608M', cases: AMD_HT },
  { id: 'amd-ht-6.1-q5.2', series: '6.1', iommu: 'amd', facts: AMD, root: 'bullseye', mem: '4608M', cases: OLD_QEMU },
  { id: 'x86-on-smmuv3-6.1-q7.2', series: '6.1', iommu: 'smmuv3', facts: SMMU, root: 'arm64', mem: '4608M', cases: X86_ON_ARM },
];

const lay = (name: string, binary: 'aarch64' | 'x86_64', machine: string, ramMiB: number, checks: string, more: Partial<{ cpu: string; maxMiB: number; dimmMiB: number }> = {}) =>
  ({ name, checks, binary: `qemu-system-${binary}` as const, machine, ramMiB, ...more });

const LAYOUT_CASES = [
  lay('virt-3054M', 'aarch64', 'virt', 3054, 'virt RAM from 1 GiB (hw/arm/virt.c base_memmap)', { cpu: 'cortex-a57' }),
  lay('virt-3055M', 'aarch64', 'virt', 3055, 'virt RAM over 0xfee00000', { cpu: 'cortex-a57' }),
  lay('q35-1G', 'x86_64', 'q35', 1024, 'q35 low RAM'),
  lay('q35-4G', 'x86_64', 'q35', 4096, 'q35: 2 GiB low when RAM ≥ 2.75 GiB (hw/i386/pc_q35.c)'),
  lay('pc-4G', 'x86_64', 'pc', 4096, 'pc: 3 GiB low (hw/i386/pc_piix.c)'),
  lay('q35-epyc-1023G', 'x86_64', 'q35', 1023 * 1024, 'AMD relocation with 40 phys-bits: exit and its message', { cpu: 'EPYC' }),
  lay('q35-epyc-pb48-1023G', 'x86_64', 'q35', 1023 * 1024, 'AMD relocation to 1 TiB (8504f129450b)', { cpu: 'EPYC,phys-bits=48' }),
  lay('q35-7.0-epyc-pb48-1023G', 'x86_64', 'pc-q35-7.0', 1023 * 1024, 'machine type 7.0: no relocation', { cpu: 'EPYC,phys-bits=48' }),
  lay('q35-skylake-pb48-1023G', 'x86_64', 'q35', 1023 * 1024, 'Intel vCPU: no relocation', { cpu: 'Skylake-Server,phys-bits=48' }),
  lay('virt-512M+dimm-2G', 'aarch64', 'virt', 512, 'where a pc-dimm goes on virt', { cpu: 'cortex-a57', maxMiB: 4096, dimmMiB: 2048 }),
  lay('q35-4G+dimm-1G', 'x86_64', 'q35', 4096, 'where a pc-dimm goes on q35', { maxMiB: 8192, dimmMiB: 1024 }),
];

export const LAYOUT_RUNS: readonly LayoutRun[] = [
  { id: 'qemu-7.2', root: 'host', cases: LAYOUT_CASES },
  { id: 'qemu-10.0', root: 'trixie', cases: LAYOUT_CASES },
  // QEMU 5.2 has no reserve=off (6.1): only guests this machine can back.
  { id: 'qemu-5.2', root: 'bullseye', cases: LAYOUT_CASES.filter((c) => c.ramMiB <= 8192) },
];
