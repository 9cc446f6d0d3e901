// The reserved-region cases of the kernel's own iommufd selftests
// (torvalds/linux:tools/testing/selftests/iommu/iommufd.c, FIXTURE iommufd_ioas),
// ported with the same addresses, sizes and errnos against doorbell's model.
// Helpers follow iommufd_utils.h; the mock domain's aperture and page size
// follow drivers/iommu/iommufd/iommufd_test.h.
import { describe, expect, it } from 'vitest';
import { U64_MAX } from '../src/model/addr.js';
import { IoPagetable } from '../src/kernel/io-pagetable.js';

const PAGE_SIZE = 4096n;
const MOCK_PAGE_SIZE = PAGE_SIZE / 2n;
const MOCK_APERTURE_START = 1n << 24n; // 0x1000000
const MOCK_APERTURE_LAST = (1n << 31n) - 1n; // 0x7fffffff
const SIZE_MAX = U64_MAX;
const BUFFER_ROOM = 16; // BUFFER_SIZE / sizeof(struct iommu_iova_range), plenty

/** FIXTURE_SETUP(iommufd_ioas) for the no_domain and mock_domain variants. */
function fixture(variant: 'no_domain' | 'mock_domain') {
  const iopt = new IoPagetable();
  let base_iova = 0n;
  if (variant === 'mock_domain') {
    // test_cmd_mock_domain: the domain's aperture is enforced by reserving outside it.
    expect(iopt.reserve(0n, MOCK_APERTURE_START - 1n, 'mock').ok).toBe(true);
    expect(iopt.reserve(MOCK_APERTURE_LAST + 1n, U64_MAX, 'mock').ok).toBe(true);
    iopt.iovaAlignment = MOCK_PAGE_SIZE;
    base_iova = MOCK_APERTURE_START;
  }
  const errnoOf = (r: { ok: boolean; errno?: string }) => (r.ok ? 0 : r.errno);
  return {
    iopt,
    base_iova,
    stdev_id: variant === 'mock_domain',
    test_ioctl_ioas_map_fixed: (length: bigint, iova: bigint) => expect(errnoOf(iopt.mapFixed(iova, length))).toBe(0),
    test_err_ioctl_ioas_map_fixed: (errno: string, length: bigint, iova: bigint) => expect(errnoOf(iopt.mapFixed(iova, length))).toBe(errno),
    test_err_ioctl_ioas_map: (errno: string, length: bigint) => expect(errnoOf(iopt.mapAuto(length))).toBe(errno),
    test_ioctl_ioas_unmap: (iova: bigint, length: bigint) => expect(errnoOf(iopt.unmap(iova, length))).toBe(0),
    test_err_ioctl_ioas_unmap: (errno: string, iova: bigint, length: bigint) => expect(errnoOf(iopt.unmap(iova, length))).toBe(errno),
    add_reserved: (start: bigint, length: bigint) => errnoOf(iopt.reserve(start, start + length - 1n, 'test')),
    allow_iovas: (ranges: Array<{ start: bigint; last: bigint }>) => errnoOf(iopt.setAllowed(ranges)),
  };
}

for (const variant of ['no_domain', 'mock_domain'] as const) {
  describe(`iommufd_ioas.${variant}`, () => {
    it('area', () => {
      const self = fixture(variant);
      /* Unmap fails if nothing is mapped */
      for (let i = 0n; i !== 10n; i++) self.test_err_ioctl_ioas_unmap('ENOENT', i * PAGE_SIZE, PAGE_SIZE);
      /* Unmap works */
      for (let i = 0n; i !== 10n; i++) self.test_ioctl_ioas_map_fixed(PAGE_SIZE, self.base_iova + i * PAGE_SIZE);
      for (let i = 0n; i !== 10n; i++) self.test_ioctl_ioas_unmap(self.base_iova + i * PAGE_SIZE, PAGE_SIZE);
      /* Split fails */
      self.test_ioctl_ioas_map_fixed(PAGE_SIZE * 2n, self.base_iova + 16n * PAGE_SIZE);
      self.test_err_ioctl_ioas_unmap('ENOENT', self.base_iova + 16n * PAGE_SIZE, PAGE_SIZE);
      self.test_err_ioctl_ioas_unmap('ENOENT', self.base_iova + 17n * PAGE_SIZE, PAGE_SIZE);
      /* Over map fails */
      self.test_err_ioctl_ioas_map_fixed('EEXIST', PAGE_SIZE * 2n, self.base_iova + 16n * PAGE_SIZE);
      self.test_err_ioctl_ioas_map_fixed('EEXIST', PAGE_SIZE, self.base_iova + 16n * PAGE_SIZE);
      self.test_err_ioctl_ioas_map_fixed('EEXIST', PAGE_SIZE, self.base_iova + 17n * PAGE_SIZE);
      self.test_err_ioctl_ioas_map_fixed('EEXIST', PAGE_SIZE * 2n, self.base_iova + 15n * PAGE_SIZE);
      self.test_err_ioctl_ioas_map_fixed('EEXIST', PAGE_SIZE * 3n, self.base_iova + 15n * PAGE_SIZE);
      /* unmap all works */
      self.test_ioctl_ioas_unmap(0n, U64_MAX);
      /* Unmap all succeeds on an empty IOAS */
      self.test_ioctl_ioas_unmap(0n, U64_MAX);
    });

    it('unmap_fully_contained_areas', () => {
      const self = fixture(variant);
      /* Give no_domain some space to rewind base_iova */
      self.base_iova += 4n * PAGE_SIZE;
      for (let i = 0n; i !== 4n; i++) self.test_ioctl_ioas_map_fixed(8n * PAGE_SIZE, self.base_iova + i * 16n * PAGE_SIZE);
      /* Unmap not fully contained area doesn't work */
      self.test_err_ioctl_ioas_unmap('ENOENT', self.base_iova - 4n * PAGE_SIZE, 8n * PAGE_SIZE);
      self.test_err_ioctl_ioas_unmap('ENOENT', self.base_iova + 3n * 16n * PAGE_SIZE + 8n * PAGE_SIZE - 4n * PAGE_SIZE, 8n * PAGE_SIZE);
      /* Unmap fully contained areas works */
      const r = self.iopt.unmap(self.base_iova - 4n * PAGE_SIZE, 3n * 16n * PAGE_SIZE + 8n * PAGE_SIZE + 4n * PAGE_SIZE);
      expect(r).toEqual({ ok: true, unmapped: 32n * PAGE_SIZE });
    });

    it('area_auto_iova', () => {
      const self = fixture(variant);
      const HUGEPAGE = 1n << 21n; // the selftest's buffer is HUGEPAGE_SIZE aligned
      const map = (length: bigint, uptrAlign = HUGEPAGE) => {
        const r = self.iopt.mapAuto(length, uptrAlign);
        expect(r.ok).toBe(true);
        return r.ok ? r.iova : -1n;
      };
      const ffsAlign = (length: bigint) => length & -length;
      /* Simple 4k pages */
      let iovas = Array.from({ length: 10 }, () => map(PAGE_SIZE));
      for (const iova of iovas) self.test_ioctl_ioas_unmap(iova, PAGE_SIZE);
      /* Kernel automatically aligns IOVAs properly */
      iovas = Array.from({ length: 10 }, (_, i) => map(PAGE_SIZE * BigInt(i + 1), self.stdev_id ? HUGEPAGE : 1n << 31n));
      iovas.forEach((iova, i) => expect(iova % ffsAlign(PAGE_SIZE * BigInt(i + 1))).toBe(0n));
      iovas.forEach((iova, i) => self.test_ioctl_ioas_unmap(iova, PAGE_SIZE * BigInt(i + 1)));
      /* Avoids a reserved region */
      const reserved = { start: PAGE_SIZE * 4n, length: PAGE_SIZE * 100n };
      expect(self.add_reserved(reserved.start, reserved.length)).toBe(0);
      iovas = Array.from({ length: 10 }, (_, i) => map(PAGE_SIZE * BigInt(i + 1)));
      iovas.forEach((iova, i) => {
        expect(iova % ffsAlign(PAGE_SIZE * BigInt(i + 1))).toBe(0n);
        expect(iova > reserved.start && iova < reserved.start + reserved.length).toBe(false);
      });
      iovas.forEach((iova, i) => self.test_ioctl_ioas_unmap(iova, PAGE_SIZE * BigInt(i + 1)));
      /* Allowed region intersects with a reserved region */
      expect(self.allow_iovas([{ start: PAGE_SIZE, last: PAGE_SIZE * 600n }])).toBe('EADDRINUSE');
      /* Allocate from an allowed region */
      const allowed = self.stdev_id
        ? { start: MOCK_APERTURE_START + PAGE_SIZE, last: MOCK_APERTURE_START + PAGE_SIZE * 600n - 1n }
        : { start: PAGE_SIZE * 200n, last: PAGE_SIZE * 600n - 1n };
      expect(self.allow_iovas([allowed])).toBe(0);
      iovas = Array.from({ length: 10 }, (_, i) => map(PAGE_SIZE * BigInt(i + 1)));
      iovas.forEach((iova, i) => {
        const length = PAGE_SIZE * BigInt(i + 1);
        expect(iova % ffsAlign(length)).toBe(0n);
        expect(iova >= allowed.start && iova <= allowed.last && iova + length <= allowed.last + 1n).toBe(true);
      });
    });

    it('area_allowed', () => {
      const self = fixture(variant);
      const reserved = { start: PAGE_SIZE * 4n, length: PAGE_SIZE * 100n };
      /* Reserved intersects an allowed */
      const ranges = [{ start: self.base_iova, last: self.base_iova + PAGE_SIZE * 600n }];
      expect(self.allow_iovas(ranges)).toBe(0);
      reserved.start = ranges[0]!.start + PAGE_SIZE;
      reserved.length = PAGE_SIZE;
      expect(self.add_reserved(reserved.start, reserved.length)).toBe('EADDRINUSE');
      expect(self.allow_iovas([])).toBe(0);
      /* Allowed intersects a reserved */
      expect(self.add_reserved(reserved.start, reserved.length)).toBe(0);
      expect(self.allow_iovas(ranges)).toBe('EADDRINUSE');
    });

    it('iova_ranges', () => {
      const self = fixture(variant);
      /* Range can be read */
      let r = self.iopt.iovaRanges(BUFFER_ROOM);
      expect(r.errno).toBeUndefined();
      expect(r.count).toBe(1);
      if (!self.stdev_id) {
        expect(r.ranges[0]).toEqual({ start: 0n, last: SIZE_MAX });
        expect(self.iopt.iovaAlignment).toBe(1n);
      } else {
        expect(r.ranges[0]).toEqual({ start: MOCK_APERTURE_START, last: MOCK_APERTURE_LAST });
        expect(self.iopt.iovaAlignment).toBe(MOCK_PAGE_SIZE);
      }
      /* Buffer too small */
      r = self.iopt.iovaRanges(0);
      expect(r).toEqual({ errno: 'EMSGSIZE', count: 1, ranges: [] });
      /* 2 ranges */
      expect(self.add_reserved(PAGE_SIZE, PAGE_SIZE)).toBe(0);
      r = self.iopt.iovaRanges(BUFFER_ROOM);
      if (!self.stdev_id) {
        expect(r.count).toBe(2);
        expect(r.ranges).toEqual([{ start: 0n, last: PAGE_SIZE - 1n }, { start: PAGE_SIZE * 2n, last: SIZE_MAX }]);
      } else {
        expect(r.count).toBe(1);
        expect(r.ranges).toEqual([{ start: MOCK_APERTURE_START, last: MOCK_APERTURE_LAST }]);
      }
      /* Buffer too small */
      r = self.iopt.iovaRanges(1);
      if (!self.stdev_id) {
        expect(r).toEqual({ errno: 'EMSGSIZE', count: 2, ranges: [{ start: 0n, last: PAGE_SIZE - 1n }] });
      } else {
        expect(r).toEqual({ count: 1, ranges: [{ start: MOCK_APERTURE_START, last: MOCK_APERTURE_LAST }] });
      }
    });

    it('reserved_overflow (lore.kernel.org/r/685af644.a00a0220.2e5631.0094.GAE@google.com)', () => {
      const self = fixture(variant);
      expect(self.add_reserved(6n, 0xffffffffffff8001n)).toBe(0);
      self.test_err_ioctl_ioas_map('ENOSPC', 0x5000n);
    });
  });
}

// Rules read from the code (drivers/iommu/iommufd/ioas.c, io_pagetable.c) that no selftest pins.
describe('ioas.c and io_pagetable.c', () => {
  it('iommufd_ioas_iova_ranges: the holes of the reserved tree only; the allowed ranges play no part', () => {
    const self = fixture('no_domain');
    expect(self.allow_iovas([{ start: PAGE_SIZE * 200n, last: PAGE_SIZE * 600n - 1n }])).toBe(0);
    expect(self.iopt.iovaRanges(BUFFER_ROOM)).toEqual({ count: 1, ranges: [{ start: 0n, last: SIZE_MAX }] });
  });

  it('iommufd_ioas_load_iovas: start >= last and overlapping input ranges are EINVAL, before the reserved check', () => {
    const self = fixture('no_domain');
    expect(self.add_reserved(PAGE_SIZE * 4n, PAGE_SIZE)).toBe(0);
    expect(self.allow_iovas([{ start: PAGE_SIZE, last: PAGE_SIZE }])).toBe('EINVAL');
    expect(self.allow_iovas([{ start: 0n, last: PAGE_SIZE * 8n }, { start: PAGE_SIZE * 8n, last: PAGE_SIZE * 9n }])).toBe('EINVAL');
    expect(self.allow_iovas([{ start: 0n, last: PAGE_SIZE * 8n }])).toBe('EADDRINUSE');
    expect(self.allow_iovas([{ start: PAGE_SIZE * 16n, last: PAGE_SIZE * 32n - 1n }, { start: PAGE_SIZE * 32n, last: PAGE_SIZE * 64n - 1n }])).toBe(0);
  });

  it('iopt_alloc_iova: an alignment from the length and user address below the IOAS alignment is EINVAL, not raised', () => {
    const self = fixture('mock_domain');
    expect(self.iopt.mapAuto(PAGE_SIZE, 1n << 10n)).toEqual({ ok: false, errno: 'EINVAL' });
    expect(self.iopt.mapAuto(PAGE_SIZE, PAGE_SIZE).ok).toBe(true);
  });
});

describe('a ported case fails when its errno changes (the port can fail)', () => {
  it('an over-map answered EINVAL instead of EEXIST is caught', () => {
    const self = fixture('no_domain');
    self.test_ioctl_ioas_map_fixed(PAGE_SIZE * 2n, 16n * PAGE_SIZE);
    expect(() => self.test_err_ioctl_ioas_map_fixed('EINVAL', PAGE_SIZE, 16n * PAGE_SIZE)).toThrow();
  });
});
