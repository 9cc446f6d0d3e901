// Hosts: inline in a scenario, or their own files (scenarios/hosts/*.yaml),
// reusable across scenarios and substitutable with `doorbell run --host`.
import { createHash } from 'node:crypto';
import { type Range, U64_MAX, formatRange, formatSize } from '../model/addr.js';
import { type BridgeWindow, type Host, type IommuGroup, REGION_TYPES, type ReservedRegion, groupResvRegions } from '../model/host.js';
import { InputError } from '../errors.js';
import { readLimited } from '../read-limited.js';
import { Cursor, openYaml } from './cursor.js';
import { SCENARIO_DEFAULTS as D } from './defaults.js';
import { LIMITS } from './limits.js';
import { looksLikeCapture } from '../import/prompt.js';

export interface LoadedHost {
  readonly host: Host;
  /** Path as written (for messages and run.json) and SHA-256 of the bytes. */
  readonly file: string;
  readonly sha256: string;
}

/** A regular file of at most LIMITS.fileBytes, size-checked before it is read. */
export function readFileOrFail(path: string, display: string, what: string): Buffer {
  return readLimited(path, display, what, LIMITS.fileBytes);
}

export function loadHostFile(path: string, display: string): LoadedHost {
  const bytes = readFileOrFail(path, display, 'host file');
  if (bytes.length > LIMITS.fileBytes) throw new InputError(`${display}: file is ${bytes.length} bytes`, `a host file of at most ${LIMITS.fileBytes} bytes`);
  if (looksLikeCapture(bytes.toString('utf8'))) throw capturedNotImported(display);
  return { host: readHost(openYaml(bytes.toString('utf8'), display, 'host')), file: display, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** A raw /sys/kernel/iommu_groups paste where a host file belongs. */
export function capturedNotImported(display: string): InputError {
  return new InputError(`${display}: this looks like a sysfs capture`, `run \`doorbell import sysfs ${display}\` and use the host file it writes`);
}

/** A range written {start, last} (inclusive, like sysfs) or {start, size}, plus `extra` keys. */
export function readRangeWith(c: Cursor, extra: readonly string[]): { range: Range; f: Map<string, Cursor> } {
  const f = c.map(['start', 'last', 'size', ...extra]);
  const start = (f.get('start') ?? c.fail("missing 'start'", 'start and last (inclusive) or start and size')).quantity();
  const last = f.get('last');
  const size = f.get('size');
  if (last && size) c.fail("has both 'last' and 'size'", 'one of them');
  if (last) {
    const l = last.quantity();
    if (l < start) last.fail(`last ${formatRange({ start, last: l })} is below start`, 'last >= start (inclusive end)');
    return { range: { start, last: l }, f };
  }
  if (!size) c.fail("missing 'last' or 'size'", 'an inclusive last address or a size');
  const s = size.quantity();
  if (s === 0n) size.fail('size is 0', 'a positive size');
  if (start + s - 1n > U64_MAX) size.fail('range runs past 0xffffffffffffffff', 'a range inside 64 bits');
  return { range: { start, last: start + s - 1n }, f };
}

/** Regions as in reserved_regions: {start, last|size, type}, `rmrr` on direct ones. */
function readRegions(list: Cursor | undefined): ReservedRegion[] {
  const cursors = list?.present ? list.seq() : [];
  if (cursors.length > LIMITS.regionsPerGroup) list!.fail(`has ${cursors.length} regions`, `at most ${LIMITS.regionsPerGroup} per group`);
  return cursors.map((rc) => {
    const { range, f: rf } = readRangeWith(rc, ['type', 'rmrr']);
    const type = (rf.get('type') ?? rc.fail("missing 'type'", REGION_TYPES.join(', '))).enumOf(REGION_TYPES);
    const rmrr = rf.get('rmrr');
    if (rmrr && type !== 'direct') rmrr.fail(`'rmrr' on a ${type} region`, "'rmrr' only on type: direct");
    return rmrr ? { ...range, type, rmrr: rmrr.bool() } : { ...range, type };
  });
}

/**
 * A group: its `regions` apply to every device; a device may be written
 * { name, regions } to add its own (iommu_get_resv_regions is per device
 * since the driver API of 4.11; iommufd reads it per device from 6.6).
 */
function readGroup(g: Cursor, ids: Set<number>): IommuGroup {
  const gf = g.map(['id', 'devices', 'regions', 'dma_limit_bits']);
  const idc = gf.get('id') ?? g.fail("missing 'id'", 'a group number');
  const id = idc.int(0, 1_000_000);
  if (ids.has(id)) idc.fail(`duplicate group id ${id}`, 'unique group ids');
  ids.add(id);
  const common = readRegions(gf.get('regions'));
  const names: string[] = [];
  const own: ReservedRegion[][] = [];
  for (const dc of gf.get('devices')?.present ? gf.get('devices')!.seq() : []) {
    const df = dc.isString ? undefined : dc.map(['name', 'regions']);
    const nc = df ? (df.get('name') ?? dc.fail("missing 'name'", 'a PCI address')) : dc;
    const name = nc.string();
    if (names.includes(name)) nc.fail(`device '${name}' listed twice`, 'each device of the group once');
    names.push(name);
    own.push(readRegions(df?.get('regions')));
  }
  const perDevice = own.some((r) => r.length > 0) ? own.map((r) => [...common, ...r]) : undefined;
  const regions = groupResvRegions(perDevice ?? [common]);
  // The IORT root complex node's Memory address size limit (model/host.ts dmaLimitBits).
  const limit = gf.get('dma_limit_bits')?.int(32, 64);
  const withLimit = limit === undefined ? {} : { dmaLimitBits: limit };
  return perDevice ? { id, devices: names, regions, deviceRegions: perDevice, ...withLimit } : { id, devices: names, regions, ...withLimit };
}

export function readHost(c: Cursor): Host {
  const f = c.map(['platform', 'arch', 'iommu', 'aperture_bits', 'phys_bits', 'kernel', 'page_size', 'msi_isolation', 'allow_unsafe_interrupts', 'ht_range_ignore', 'groups', 'bridges']);
  const need = (k: string) => f.get(k) ?? c.fail(`missing '${k}'`, `a '${k}' field`);
  const ids = new Set<number>();
  const groupCursors = need('groups').seq();
  if (groupCursors.length > LIMITS.groupsPerHost) need('groups').fail(`has ${groupCursors.length} groups`, `at most ${LIMITS.groupsPerHost} groups`);
  const groups = groupCursors.map((g) => readGroup(g, ids));
  const bridges: BridgeWindow[] = (f.get('bridges')?.present ? f.get('bridges')!.seq() : []).map((bc) => {
    const { range: r, f: bf } = readRangeWith(bc, ['name', 'acs', 'groups', 'bars']);
    const below = (bf.get('groups') ?? bc.fail("missing 'groups'", 'the groups below this bridge')).seq();
    const groupIds = below.map((gc) => {
      const id = gc.int(0, 1_000_000);
      if (!ids.has(id)) gc.fail(`unknown group ${id}`, `one of the host's groups: ${[...ids].join(', ')}`);
      return id;
    });
    const bars = bf.get('bars')?.present ? bf.get('bars')!.seq().map((b) => readBar(b, r)) : undefined;
    return { ...r, name: bf.get('name')?.string() ?? formatRange(r), acs: bf.get('acs')?.bool() ?? false, groups: groupIds, ...(bars ? { bars } : {}) };
  });
  const arch = need('arch').enumOf(['x86_64', 'aarch64', 'riscv64'] as const);
  const iommu = need('iommu').enumOf(['intel', 'amd', 'arm-smmu-v3', 'arm-smmu', 'apple-dart', 'riscv'] as const);
  const htRangeIgnore = f.get('ht_range_ignore')?.bool() ?? D.host.htRangeIgnore;
  // EFR2 is an AMD IOMMU register (drivers/iommu/amd/amd_iommu_types.h FEATURE_HT_RANGE_IGNORE).
  if (htRangeIgnore && iommu !== 'amd') f.get('ht_range_ignore')!.fail(`ht_range_ignore on a '${iommu}' IOMMU`, "iommu: amd (an AMD IOMMU's EFR2 bit)");
  return {
    platform: need('platform').string(),
    arch,
    iommu,
    apertureBits: f.get('aperture_bits')?.int(32, 64) ?? D.host.apertureBits,
    physBits: f.get('phys_bits')?.int(32, 64) ?? D.host.physBits,
    kernel: need('kernel').version(),
    groups,
    bridges,
    pageSize: readPageSize(f.get('page_size'), arch),
    msiIsolation: f.get('msi_isolation')?.bool() ?? D.host.msiIsolation,
    allowUnsafeInterrupts: f.get('allow_unsafe_interrupts')?.bool() ?? D.host.allowUnsafeInterrupts,
    ...(htRangeIgnore ? { htRangeIgnore } : {}),
  };
}

/** Kernel PAGE_SIZE: 4 KiB on x86_64; 4, 16 or 64 KiB on arm64 (arch/arm64/Kconfig, ARM64_*K_PAGES). */
function readPageSize(c: Cursor | undefined, arch: Host['arch']): bigint {
  if (!c) return D.host.pageSize;
  const size = c.quantity();
  // riscv: PAGE_SIZE is 4 KiB (arch/riscv/include/asm/page.h PAGE_SHIFT 12).
  const allowed = arch === 'aarch64' ? [4096n, 16384n, 65536n] : [4096n];
  if (!allowed.includes(size)) c.fail(`page_size ${formatSize(size)} on ${arch}`, arch === 'aarch64' ? '4KiB, 16KiB or 64KiB on aarch64' : `4KiB on ${arch}`);
  return size;
}

/** A peer BAR inside its bridge window: a write there is absorbed, elsewhere in the window it gets UR. */
function readBar(c: Cursor, window: Range): Range {
  const { range } = readRangeWith(c, []);
  if (range.start < window.start || range.last > window.last) c.fail(`BAR ${formatRange(range)} is outside the bridge window ${formatRange(window)}`, 'a BAR inside its window');
  return range;
}
