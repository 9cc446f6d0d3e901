// What a capture shows about its host, with the evidence for each inference:
// architecture and IOMMU from the regions only one platform reports. Flags
// override; a flag the capture contradicts gets a warning naming the line.
import { formatRange } from '../model/addr.js';
import type { Arch, IommuVendor } from '../model/host.js';
import { InputError } from '../errors.js';
import type { Capture, SysfsRegionLine } from './sysfs.js';

export interface Inferred<T> {
  readonly value: T;
  /** The capture's line that shows it, and why. */
  readonly evidence: string;
}

const is = (r: SysfsRegionLine, start: bigint, last: bigint, type: SysfsRegionLine['type']) => r.start === start && r.last === last && r.type === type;
/** arm-smmu-v3.h / arm-smmu.c MSI_IOVA_BASE, MSI_IOVA_LENGTH: the SW_MSI window. */
const ARM_SW_MSI = (r: SysfsRegionLine) => is(r, 0x8000000n, 0x80fffffn, 'msi');
/** intel/iommu.c, amd/iommu.c: the x86 interrupt window, IOAPIC_RANGE / MSI_RANGE. */
const X86_MSI = (r: SysfsRegionLine) => is(r, 0xfee00000n, 0xfeefffffn, 'msi');
/** amd/iommu.c HT_RANGE_START, HT_RANGE_END. */
const AMD_HT = (r: SysfsRegionLine) => is(r, 0xfd00000000n, 0xffffffffffn, 'reserved');
/** intel/iommu.c: the ISA bridge's [0, 16 MiB) (direct in 5.3/5.4, relaxable from 5.5, d8018a0e9195). */
const INTEL_ISA = (r: SysfsRegionLine) => r.start === 0n && r.last === 0xffffffn && (r.type === 'direct' || r.type === 'direct-relaxable');

function find(capture: Capture, pred: (r: SysfsRegionLine) => boolean): { group: number; region: SysfsRegionLine } | undefined {
  for (const g of capture.groups) for (const r of g.regions) if (pred(r)) return { group: g.id, region: r };
  return undefined;
}

const line = (hit: { group: number; region: SysfsRegionLine }) => `${formatRange(hit.region)} ${hit.region.type} (group ${hit.group})`;

export function inferArch(capture: Capture): Inferred<Arch> | undefined {
  const arm = find(capture, ARM_SW_MSI);
  if (arm) return { value: 'aarch64', evidence: `${line(arm)} is arm-smmu's 1 MiB SW_MSI window` };
  const x86 = find(capture, X86_MSI) ?? find(capture, AMD_HT);
  if (x86) return { value: 'x86_64', evidence: `${line(x86)} is ${AMD_HT(x86.region) ? "AMD's HyperTransport range" : 'the x86 interrupt window'}` };
  return undefined;
}

export function inferIommu(capture: Capture, arch: Arch): Inferred<IommuVendor> | undefined {
  const ht = find(capture, AMD_HT);
  if (ht) return { value: 'amd', evidence: `${line(ht)} is AMD's HyperTransport range` };
  const isa = find(capture, INTEL_ISA);
  if (isa) return { value: 'intel', evidence: `${line(isa)} is Intel's ISA-bridge range` };
  if (arch === 'x86_64') {
    const msi = find(capture, X86_MSI);
    // AMD stops reporting the HT range on hardware with HTRangeIgnore from 6.16 (94a9921e2c25).
    if (msi) return { value: 'intel', evidence: `${line(msi)} without AMD's HyperTransport range (an AMD host on >= 6.16 with HTRangeIgnore looks the same: --iommu amd)` };
    return undefined;
  }
  const sw = find(capture, ARM_SW_MSI);
  if (sw) return { value: 'arm-smmu-v3', evidence: `${line(sw)}; SMMUv2 (MMU-500) prints the same window: --iommu arm-smmu` };
  return undefined;
}

export interface ImportChoice<T> {
  readonly value: T;
  readonly note: string;
  /** Set when a flag contradicts the capture. */
  readonly warning?: string;
}

/** A flag, checked against the capture; else the capture's evidence; else the default. */
export function choose<T extends string>(flagName: string, flag: T | undefined, inferred: Inferred<T> | undefined, fallback: T): ImportChoice<T> {
  if (flag !== undefined) {
    const against = inferred && inferred.value !== flag ? `--${flagName} ${flag} contradicts the capture: ${inferred.evidence}` : undefined;
    return { value: flag, note: `${flagName} ${flag} (--${flagName})`, ...(against ? { warning: against } : {}) };
  }
  if (inferred) return { value: inferred.value, note: `${flagName} ${inferred.value}: ${inferred.evidence}` };
  return { value: fallback, note: `${flagName} ${fallback}: nothing in the capture shows it (default; set --${flagName})` };
}

/** Per-group notes ("group 3 [..] msi taken as ...") with identical text merged: "groups 0-23, 40 (25): ...". */
export function summariseGroupNotes(notes: readonly string[]): string[] {
  const byText = new Map<string, number[]>();
  const other: string[] = [];
  for (const n of notes) {
    const m = /^group ([0-9]+) (.*)$/.exec(n);
    if (!m) other.push(n);
    else byText.set(m[2]!, [...(byText.get(m[2]!) ?? []), Number(m[1])]);
  }
  const merged = [...byText].map(([text, ids]) => (ids.length === 1 ? `group ${ids[0]} ${text}` : `groups ${idRanges(ids)} (${ids.length}): ${text}`));
  return [...other, ...merged];
}

/** 0,1,2,3,7 → "0-3, 7". */
export function idRanges(ids: readonly number[]): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}

/** Groups whose region lists are the same, as one line for the header. */
export function identicalGroups(capture: Capture): string[] {
  const byList = new Map<string, number[]>();
  for (const g of capture.groups) {
    const key = g.regions.map((r) => `${formatRange(r)} ${r.type}`).join(', ') || 'no regions';
    byList.set(key, [...(byList.get(key) ?? []), g.id]);
  }
  return [...byList].filter(([, ids]) => ids.length > 1).map(([key, ids]) => `groups ${idRanges(ids)} (${ids.length}) have the same regions: ${key}`);
}

/** Intel's ISA-bridge range printed `direct` only in 5.3 and 5.4 before d8018a0e9195 made it relaxable. */
export function inferKernel(capture: Capture): Inferred<string> | undefined {
  const isa = find(capture, (r) => INTEL_ISA(r) && r.type === 'direct');
  return isa ? { value: '5.4', evidence: `${line(isa)} is Intel's ISA-bridge range as 5.3 and 5.4 printed it (relaxable from 5.5)` } : undefined;
}

/** `--group N` for bare lines: it applies when the capture names no group, and is refused when it does. */
export function applyGroupFlag(capture: Capture, flag: string | undefined): { capture: Capture; note?: string } {
  const named = capture.form !== 'bare' || capture.groupsFromCommands === true;
  if (flag === undefined) return named ? { capture } : { capture, note: `the capture names no group: group ${capture.groups[0]?.id ?? 0} (set with --group N)` };
  if (named) throw new InputError(`--group ${flag}: the capture names its groups (${idRanges(capture.groups.map((g) => g.id))})`, 'drop --group: it only names the group of bare lines');
  return { capture: { ...capture, groups: capture.groups.map((g) => ({ ...g, id: Number(flag) })) } };
}
