// Known differences between the real stack and doorbell's model, each with
// its reason. `doorbell conformance` and `npm test` fail on any other
// difference, and on an entry that no longer matches one (remove it when the
// model is fixed).
import type { Check } from './compare.js';
import type { Tier } from './types.js';

export interface AllowEntry {
  readonly tier: Tier;
  /** A check id; `*` matches any run of characters. */
  readonly pattern: string;
  readonly reason: string;
}

const DIMM = 'DIMM placed by the host architecture (engine nextDeviceMemory, x86 ⇒ ≥ 4 GiB) instead of the guest machine: real virt puts it at 0x80000000 (hw/arm/virt.c device memory); fidelity issue §6';
const LOWRAM = 'q35/pc RAM sections: the model maps [0, 0x9ffff] and [0xc0000, lowmem); QEMU flattens [0, 0xbffff], ROMs at 0xc0000-0xfffff and [0x100000, lowmem) after reset, and one [0, lowmem) section at cold plug; fidelity issue §6';
const PHYSBITS = 'phys-bits exit applied to QEMU < 7.1: the check came with 1caab5cf86bd (7.1); QEMU 5.2 starts and its map fails; fidelity issue §6';

export const ALLOW_LIST: readonly AllowEntry[] = [
  { tier: 'layout', pattern: 'qemu-*/q35-*/ram<4G', reason: LOWRAM },
  { tier: 'layout', pattern: 'qemu-*/pc-*/ram<4G', reason: LOWRAM },
  { tier: 'layout', pattern: 'qemu-*/virt-512M+dimm-2G/dimm', reason: DIMM },
  { tier: 'vmm', pattern: '*/dimm-virt-*', reason: DIMM },
  { tier: 'vmm', pattern: 'amd-ht-6.1-q5.2/*-q35-epyc-1023G', reason: PHYSBITS },
  { tier: 'vmm', pattern: 'x86-on-smmuv3-6.1-q7.2/*-q35-1G', reason: LOWRAM },
];

const matches = (pattern: string, id: string) =>
  new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(id);

export function allowedFor(id: string): AllowEntry | undefined {
  return ALLOW_LIST.find((e) => matches(e.pattern, id));
}

/** Entries of `tier` that match no differing check: the model now agrees there. */
export function staleEntries(tier: Tier, checks: readonly Check[]): AllowEntry[] {
  return ALLOW_LIST.filter((e) => e.tier === tier && !checks.some((c) => !c.skip && c.real !== c.model && matches(e.pattern, c.id)));
}
