// iommufd's io_pagetable (torvalds/linux:drivers/iommu/iommufd/io_pagetable.c):
// areas, reservations with owners, and the allowed list. Ported rule by rule
// so the kernel's own selftests (tools/testing/selftests/iommu/iommufd.c)
// run against it unchanged in their addresses and errnos.
import { type Range, U64_MAX } from '../model/addr.js';
import { IntervalSet } from '../model/intervals.js';

export type IoptErrno = 'EINVAL' | 'EEXIST' | 'EADDRINUSE' | 'ENOENT' | 'ENOSPC' | 'EOVERFLOW' | 'EMSGSIZE';
export type IoptResult<T = object> = ({ readonly ok: true } & T) | { readonly ok: false; readonly errno: IoptErrno };

const overlapsAny = (list: readonly Range[], r: Range) => list.find((x) => x.start <= r.last && r.start <= x.last);

export class IoPagetable {
  private areas: Range[] = [];
  private reserved: Array<Range & { readonly owner: unknown }> = [];
  private allowed: Range[] = [];
  /** Largest page size of the attached domains; 1 with none (iopt->iova_alignment). */
  iovaAlignment = 1n;

  /** iopt_reserve_iova: EADDRINUSE over an area or an allowed range. */
  reserve(start: bigint, last: bigint, owner: unknown): IoptResult {
    const r = { start, last };
    if (overlapsAny(this.areas, r) || overlapsAny(this.allowed, r)) return { ok: false, errno: 'EADDRINUSE' };
    this.reserved.push({ start, last, owner });
    return { ok: true };
  }

  /** iopt_remove_reserved_iova: every reservation of `owner`. */
  removeReserved(owner: unknown): void {
    this.reserved = this.reserved.filter((r) => r.owner !== owner);
  }

  /**
   * IOMMU_IOAS_ALLOW_IOVAS: iommufd_ioas_load_iovas refuses a range with
   * start >= last and ranges that overlap each other (EINVAL); then
   * iopt_set_allow_iova refuses one that touches a reservation (EADDRINUSE).
   * [] clears.
   */
  setAllowed(ranges: readonly Range[]): IoptResult {
    const loaded: Range[] = [];
    for (const r of ranges) {
      if (r.start >= r.last || overlapsAny(loaded, r)) return { ok: false, errno: 'EINVAL' };
      loaded.push(r);
    }
    if (loaded.some((r) => overlapsAny(this.reserved, r))) return { ok: false, errno: 'EADDRINUSE' };
    this.allowed = loaded;
    return { ok: true };
  }

  /** iopt_check_iova (fixed IOVA): alignment EINVAL, overflow EOVERFLOW, reserved EINVAL, area EEXIST. */
  mapFixed(iova: bigint, length: bigint): IoptResult {
    if (length === 0n || iova % this.iovaAlignment !== 0n || length % this.iovaAlignment !== 0n) return { ok: false, errno: 'EINVAL' };
    if (iova + length - 1n > U64_MAX) return { ok: false, errno: 'EOVERFLOW' };
    const r = { start: iova, last: iova + length - 1n };
    if (overlapsAny(this.reserved, r)) return { ok: false, errno: 'EINVAL' };
    if (overlapsAny(this.areas, r)) return { ok: false, errno: 'EEXIST' };
    this.areas.push(r);
    return { ok: true };
  }

  /**
   * iopt_alloc_iova: the lowest hole, aligned to min(roundup_pow_of_two(length),
   * alignment of the user address), inside the allowed ranges (or
   * [PAGE_SIZE, ULONG_MAX - PAGE_SIZE] when none), clear of reservations and
   * areas. That alignment below the IOAS's is EINVAL, not raised. An aligned
   * start that would wrap past 2^64 is no fit (ENOSPC).
   */
  mapAuto(length: bigint, uptrAlign = 1n << 30n): IoptResult<{ iova: bigint }> {
    if (length === 0n || length % this.iovaAlignment !== 0n) return { ok: false, errno: 'EINVAL' };
    if (length >= U64_MAX / 2n) return { ok: false, errno: 'EOVERFLOW' };
    let align = 1n;
    while (align < length) align <<= 1n;
    if (uptrAlign < align) align = uptrAlign;
    if (align < this.iovaAlignment) return { ok: false, errno: 'EINVAL' };
    const PAGE = 4096n;
    const allowed = this.allowed.length ? IntervalSet.from(this.allowed) : IntervalSet.of({ start: PAGE, last: U64_MAX - PAGE });
    const free = allowed.subtract(IntervalSet.from(this.reserved)).subtract(IntervalSet.from(this.areas));
    for (const hole of free.ranges) {
      const start = ((hole.start + align - 1n) / align) * align;
      if (start > U64_MAX || start < hole.start) continue;
      if (start + length - 1n <= hole.last) {
        this.areas.push({ start, last: start + length - 1n });
        return { ok: true, iova: start };
      }
    }
    return { ok: false, errno: 'ENOSPC' };
  }

  /**
   * IOMMU_IOAS_UNMAP: (0, U64_MAX) unmaps all and succeeds on an empty IOAS;
   * otherwise every area touched must lie fully inside the range (no
   * splitting: ENOENT), and unmapping nothing is ENOENT.
   */
  unmap(iova: bigint, length: bigint): IoptResult<{ unmapped: bigint }> {
    if (iova === 0n && length === U64_MAX) {
      const unmapped = this.areas.reduce((s, a) => s + a.last - a.start + 1n, 0n);
      this.areas = [];
      return { ok: true, unmapped };
    }
    if (length === 0n) return { ok: false, errno: 'EINVAL' };
    if (iova + length - 1n > U64_MAX) return { ok: false, errno: 'EOVERFLOW' };
    const last = iova + length - 1n;
    const touched = this.areas.filter((a) => a.start <= last && iova <= a.last);
    if (touched.length === 0 || touched.some((a) => a.start < iova || a.last > last)) return { ok: false, errno: 'ENOENT' };
    this.areas = this.areas.filter((a) => !touched.includes(a));
    return { ok: true, unmapped: touched.reduce((s, a) => s + a.last - a.start + 1n, 0n) };
  }

  /**
   * IOMMU_IOAS_IOVA_RANGES (ioas.c, iommufd_ioas_iova_ranges): the holes of
   * the reserved tree over [0, ULONG_MAX] only; the allowed ranges play no
   * part. With room for fewer than all, EMSGSIZE, the count, and as many
   * ranges as fit.
   */
  iovaRanges(room: number): { readonly errno?: 'EMSGSIZE'; readonly count: number; readonly ranges: readonly Range[] } {
    const all = IntervalSet.ALL.subtract(IntervalSet.from(this.reserved)).ranges;
    if (all.length > room) return { errno: 'EMSGSIZE', count: all.length, ranges: all.slice(0, room) };
    return { count: all.length, ranges: all };
  }

  mapped(): IntervalSet {
    return IntervalSet.from(this.areas);
  }

  areasTouching(r: Range): Range | undefined {
    return overlapsAny(this.areas, r);
  }
}
