// 64-bit guest/host addresses. Everything outside the hot loop is bigint:
// `number` loses precision above 2^53, and IOVAs reach 2^64 - 1.

/** An inclusive range [start, last], as sysfs prints reserved_regions. */
export interface Range {
  readonly start: bigint;
  readonly last: bigint;
}

export const U64_MAX = (1n << 64n) - 1n;
export const PAGE_SHIFT = 12n;
export const PAGE_SIZE = 1n << PAGE_SHIFT;

export function range(start: bigint, last: bigint): Range {
  if (start < 0n || last > U64_MAX || last < start) {
    throw new RangeError(`invalid range [${hex(start)}, ${hex(last)}]`);
  }
  return { start, last };
}

/** [start, start + size - 1]; size must be > 0 and not wrap past 2^64. */
export function rangeOfSize(start: bigint, size: bigint): Range {
  if (size <= 0n) throw new RangeError(`size must be positive, got ${size}`);
  return range(start, start + size - 1n);
}

export function overlaps(a: Range, b: Range): boolean {
  return a.start <= b.last && b.start <= a.last;
}

export function contains(outer: Range, inner: Range): boolean {
  return outer.start <= inner.start && inner.last <= outer.last;
}

/** `0x` followed by lowercase hex, no padding: 0x8000000. */
export function hex(v: bigint): string {
  return '0x' + v.toString(16);
}

/** sysfs form: `0x%016llx` (torvalds/linux:drivers/iommu/iommu.c, iommu_group_show_resv_regions). */
export function hex16(v: bigint): string {
  return '0x' + v.toString(16).padStart(16, '0');
}

export function formatRange(r: Range): string {
  return `[${hex(r.start)}-${hex(r.last)}]`;
}

const UNITS: Record<string, bigint> = {
  '': 1n, b: 1n,
  k: 1n << 10n, kb: 1n << 10n, kib: 1n << 10n,
  m: 1n << 20n, mb: 1n << 20n, mib: 1n << 20n,
  g: 1n << 30n, gb: 1n << 30n, gib: 1n << 30n,
  t: 1n << 40n, tb: 1n << 40n, tib: 1n << 40n,
  p: 1n << 50n, pb: 1n << 50n, pib: 1n << 50n,
  e: 1n << 60n, eb: 1n << 60n, eib: 1n << 60n,
};

/**
 * Parses an address or size as people write them: 0x8000000, 0xfd_0000_0000,
 * 3054MiB, 4GiB, 1TiB, 65536. Units are binary (KiB = 1024) whether or not
 * the `i` is written, as QEMU's -m does. Returns undefined when malformed.
 */
export function parseQuantity(text: string): bigint | undefined {
  const s = text.trim();
  if (/^0x[0-9a-f]+(_[0-9a-f]+)*$/i.test(s)) return BigInt('0x' + s.slice(2).replace(/_/g, ''));
  const m = /^([0-9]+(?:_[0-9]+)*)\s*([a-z]*)$/i.exec(s);
  if (!m) return undefined;
  const unit = UNITS[m[2]!.toLowerCase()];
  if (unit === undefined) return undefined;
  return BigInt(m[1]!.replace(/_/g, '')) * unit;
}

/** Human size for reports: 3054 MiB, 1 TiB, 4 KiB; exact, never rounded. */
export function formatSize(bytes: bigint): string {
  const units: Array<[string, bigint]> = [['EiB', 1n << 60n], ['PiB', 1n << 50n], ['TiB', 1n << 40n], ['GiB', 1n << 30n], ['MiB', 1n << 20n], ['KiB', 1n << 10n]];
  for (const [name, unit] of units) {
    if (bytes >= unit && bytes % unit === 0n) return `${bytes / unit} ${name}`;
  }
  return `${bytes} B`;
}

/** Number of bits needed to address `last` (phys-bits for a highest GPA). */
export function bitsFor(last: bigint): number {
  return last <= 0n ? 1 : last.toString(2).length;
}
