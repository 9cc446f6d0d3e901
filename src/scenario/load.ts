// Reads and validates a scenario file. Strict: unknown keys are errors with a
// did-you-mean; every error names file:line:col. Defaults live in defaults.ts.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { type Range, PAGE_SIZE, U64_MAX, formatRange } from '../model/addr.js';
import { type BridgeWindow, type Host, type IommuGroup, REGION_TYPES, type ReservedRegion } from '../model/host.js';
import { InputError } from '../errors.js';
import { SCENARIO_DEFAULTS as D } from './defaults.js';
import { Cursor, type SourceFile } from './cursor.js';
import type { DeviceSpec, GuestProfile, Scenario, TimelineEvent, VmSpec } from './types.js';

export function loadScenarioFile(path: string, displayName = path): Scenario {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new InputError(`${displayName}: cannot read scenario (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 'a readable YAML file');
  }
  return parseScenario(bytes.toString('utf8'), displayName, createHash('sha256').update(bytes).digest('hex'));
}

export function parseScenario(text: string, file: string, sha256 = createHash('sha256').update(text).digest('hex')): Scenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const src: SourceFile = { file, text, lines };
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const { line, col } = lines.linePos(err.pos[0]);
    throw new InputError(`YAML syntax: ${err.message.split('\n')[0]}`, 'valid YAML', { file, line, col });
  }
  const root = new Cursor(doc.contents, src, 'scenario');
  const f = root.map(['name', 'title', 'source', 'description', 'host', 'vm', 'guests', 'devices', 'timeline']);
  const need = (k: string) => f.get(k) ?? root.fail(`missing '${k}'`, `a '${k}' field`);
  const name = need('name').string();
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) need('name').fail(`'${name}' is not a scenario name`, 'lowercase letters, digits, . _ -');
  const host = readHost(need('host'));
  const vm = readVm(need('vm'), host);
  const guests = f.get('guests')?.present ? readGuests(f.get('guests')!) : D.guests;
  const devices = readDevices(need('devices'), host);
  const timeline = readTimeline(need('timeline'), devices, vm);
  return {
    name,
    title: need('title').string(),
    source: need('source').string(),
    description: need('description').string().replace(/\s+/g, ' ').trim(),
    file,
    sha256,
    host,
    vm,
    guests,
    devices,
    timeline,
  };
}

function readRange(c: Cursor, extra: readonly string[] = []): Range {
  return readRangeWith(c, extra).range;
}

/** A range written {start, last} (inclusive, like sysfs) or {start, size}, plus `extra` keys. */
function readRangeWith(c: Cursor, extra: readonly string[]): { range: Range; f: Map<string, Cursor> } {
  const f = c.map(['start', 'last', 'size', ...extra]);
  return { range: rangeFields(c, f), f };
}

function rangeFields(c: Cursor, f: Map<string, Cursor>): Range {
  const start = (f.get('start') ?? c.fail("missing 'start'", 'start and last (inclusive) or start and size')).quantity();
  const last = f.get('last');
  const size = f.get('size');
  if (last && size) c.fail("has both 'last' and 'size'", 'one of them');
  if (last) {
    const l = last.quantity();
    if (l < start) last.fail(`last ${formatRange({ start, last: l })} is below start`, 'last >= start (inclusive end)');
    return { start, last: l };
  }
  if (!size) c.fail("missing 'last' or 'size'", 'an inclusive last address or a size');
  const s = size.quantity();
  if (s === 0n) size.fail('size is 0', 'a positive size');
  if (start + s - 1n > U64_MAX) size.fail('range runs past 0xffffffffffffffff', 'a range inside 64 bits');
  return { start, last: start + s - 1n };
}

function readHost(c: Cursor): Host {
  const f = c.map(['platform', 'arch', 'iommu', 'aperture_bits', 'phys_bits', 'kernel', 'groups', 'bridges']);
  const need = (k: string) => f.get(k) ?? c.fail(`missing '${k}'`, `a '${k}' field`);
  const groups: IommuGroup[] = need('groups').seq().map((g) => {
    const gf = g.map(['id', 'devices', 'regions']);
    const id = (gf.get('id') ?? g.fail("missing 'id'", 'a group number')).int(0, 1_000_000);
    const regions: ReservedRegion[] = (gf.get('regions')?.present ? gf.get('regions')!.seq() : []).map((rc) => {
      const { range, f: rf } = readRangeWith(rc, ['type']);
      const type = (rf.get('type') ?? rc.fail("missing 'type'", REGION_TYPES.join(', '))).enumOf(REGION_TYPES);
      return { ...range, type };
    });
    const devices = gf.get('devices')?.present ? gf.get('devices')!.seq().map((d) => d.string()) : [];
    return { id, devices, regions };
  });
  const ids = new Set<number>();
  need('groups').seq().forEach((g, i) => {
    const id = groups[i]!.id;
    if (ids.has(id)) g.fail(`duplicate group id ${id}`, 'unique group ids');
    ids.add(id);
  });
  const bridges: BridgeWindow[] = (f.get('bridges')?.present ? f.get('bridges')!.seq() : []).map((bc) => {
    const { range: r, f: bf } = readRangeWith(bc, ['name', 'acs', 'groups']);
    const below = (bf.get('groups') ?? bc.fail("missing 'groups'", 'the groups below this bridge')).seq();
    const groupIds = below.map((gc) => {
      const id = gc.int(0, 1_000_000);
      if (!ids.has(id)) gc.fail(`unknown group ${id}`, `one of the host's groups: ${[...ids].join(', ')}`);
      return id;
    });
    const acs = bf.get('acs')?.bool() ?? false;
    return { ...r, name: bf.get('name')?.string() ?? formatRange(r), acs, groups: groupIds };
  });
  return {
    platform: need('platform').string(),
    arch: need('arch').enumOf(['x86_64', 'aarch64'] as const),
    iommu: need('iommu').enumOf(['intel', 'amd', 'arm-smmu-v3', 'arm-smmu'] as const),
    apertureBits: f.get('aperture_bits')?.int(32, 64) ?? D.host.apertureBits,
    physBits: f.get('phys_bits')?.int(32, 64) ?? D.host.physBits,
    kernel: need('kernel').string(),
    groups,
    bridges,
  };
}

function readVm(c: Cursor, host: Host): VmSpec {
  const f = c.map(['machine', 'ram', 'qemu', 'cpu_vendor', 'phys_bits', 'pci_hole64', 'ranges', 'sw_msi_doorbells']);
  const machine = (f.get('machine') ?? c.fail("missing 'machine'", 'virt, q35, pc or explicit')).enumOf(['virt', 'q35', 'pc', 'explicit'] as const);
  const ranges = f.get('ranges')?.present ? f.get('ranges')!.seq().map((x) => readRange(x)) : undefined;
  if (machine === 'explicit' && !ranges) c.fail("machine 'explicit' without 'ranges'", 'a list of RAM ranges');
  if (machine !== 'explicit' && ranges) f.get('ranges')!.fail(`'ranges' with machine '${machine}'`, "machine: explicit");
  if (ranges) {
    const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : 1));
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]!.start <= sorted[i - 1]!.last) {
        f.get('ranges')!.fail(`RAM ranges ${formatRange(sorted[i - 1]!)} and ${formatRange(sorted[i]!)} overlap`, 'disjoint RAM ranges');
      }
    }
    for (const [i, r] of ranges.entries()) {
      if (r.start % PAGE_SIZE !== 0n || (r.last + 1n) % PAGE_SIZE !== 0n) f.get('ranges')!.seq()[i]!.fail(`${formatRange(r)} is not page aligned`, '4 KiB aligned start and end');
    }
  }
  const ramCursor = f.get('ram');
  const ram = ranges ? ranges.reduce((s, r) => s + r.last - r.start + 1n, 0n) : (ramCursor ?? c.fail("missing 'ram'", 'a size such as 4GiB')).quantity();
  if (ram === 0n || ram % PAGE_SIZE !== 0n) (ramCursor ?? c).fail(`RAM size ${ram} is not a positive multiple of 4 KiB`, 'a size such as 4GiB');
  const cpuDefault = host.arch === 'aarch64' ? 'arm' : host.iommu === 'amd' ? 'amd' : 'intel';
  const physBits = f.get('phys_bits')?.int(32, 64) ?? host.physBits;
  const pciHole = f.get('pci_hole64')?.quantity();
  return {
    machine,
    ram,
    qemu: f.get('qemu')?.string() ?? D.vm.qemu,
    cpuVendor: f.get('cpu_vendor')?.enumOf(['amd', 'intel', 'arm'] as const) ?? cpuDefault,
    physBits,
    ...(pciHole !== undefined ? { pciHole64: pciHole } : {}),
    ...(ranges ? { ranges } : {}),
    swMsiDoorbells: f.get('sw_msi_doorbells')?.int(1, 256) ?? D.vm.swMsiDoorbells,
  };
}

function readGuests(c: Cursor): GuestProfile[] {
  const list = c.seq();
  if (list.length === 0) c.fail('is empty', 'at least one guest profile');
  return list.map((g) => {
    const f = g.map(['name', 'weight', 'honours']);
    const honours = (f.get('honours')?.present ? f.get('honours')!.seq() : []).map((h) => h.enumOf(['firmware', 'runtime'] as const));
    return { name: (f.get('name') ?? g.fail("missing 'name'", 'a profile name')).string(), weight: f.get('weight')?.positive() ?? 1, honours };
  });
}

function readDevices(c: Cursor, host: Host): DeviceSpec[] {
  const names = new Set<string>();
  return c.seq().map((d) => {
    const f = d.map(['name', 'group', 'workload']);
    const name = (f.get('name') ?? d.fail("missing 'name'", 'a device name')).string();
    if (names.has(name)) f.get('name')!.fail(`duplicate device '${name}'`, 'unique device names');
    names.add(name);
    const gc = f.get('group') ?? d.fail("missing 'group'", 'an IOMMU group id of the host');
    const group = gc.int(0, 1_000_000);
    if (!host.groups.some((g) => g.id === group)) gc.fail(`unknown group ${group}`, `one of: ${host.groups.map((g) => g.id).join(', ')}`);
    const w = f.get('workload')?.present ? f.get('workload')!.map(['buffers', 'buffer_size', 'low_bias']) : new Map<string, Cursor>();
    const bufferBytes = w.get('buffer_size')?.quantity() ?? D.workload.bufferBytes;
    if (bufferBytes === 0n || bufferBytes % PAGE_SIZE !== 0n || bufferBytes > 1n << 40n) {
      (w.get('buffer_size') ?? d).fail(`buffer size ${bufferBytes} is not a multiple of 4 KiB up to 1 TiB`, 'e.g. 4KiB, 64KiB, 2MiB');
    }
    return {
      name,
      group,
      workload: { buffers: w.get('buffers')?.int(1, 1_000_000) ?? D.workload.buffers, bufferBytes, lowBias: w.get('low_bias')?.fraction() ?? D.workload.lowBias },
    };
  });
}

function readTimeline(c: Cursor, devices: readonly DeviceSpec[], vm: VmSpec): TimelineEvent[] {
  const known = devices.map((d) => d.name);
  const device = (x: Cursor) => {
    const n = x.string();
    if (!known.includes(n)) x.enumOf(known);
    return n;
  };
  const active = new Set<string>();
  const events = c.seq().map((e, i): TimelineEvent => {
    const f = e.map(['start', 'hotplug', 'unplug', 'memory-hotplug', 'dma']);
    if (f.size !== 1) e.fail(`has ${f.size} event keys`, 'exactly one of: start, hotplug, unplug, memory-hotplug, dma');
    const [kind, body] = [...f.entries()][0]!;
    if ((kind === 'start') !== (i === 0)) e.fail(i === 0 ? `first event is '${kind}'` : "a second 'start'", "one 'start' event, first");
    switch (kind) {
      case 'start': {
        const devs = body.present ? (body.map(['devices']).get('devices')?.seq() ?? []).map(device) : [];
        devs.forEach((d) => active.add(d));
        return { kind: 'start', devices: devs };
      }
      case 'hotplug':
      case 'unplug': {
        const d = device(body);
        if (kind === 'hotplug' && active.has(d)) body.fail(`device '${d}' is already plugged`, 'an unplug before hotplugging it again');
        if (kind === 'unplug' && !active.has(d)) body.fail(`device '${d}' is not plugged`, 'a device added at start or by hotplug');
        if (kind === 'hotplug') active.add(d);
        else active.delete(d);
        return { kind, device: d };
      }
      case 'memory-hotplug': {
        const m = body.map(['kind', 'size', 'at']);
        const size = (m.get('size') ?? body.fail("missing 'size'", 'a size such as 1GiB')).quantity();
        if (size === 0n || size % PAGE_SIZE !== 0n) m.get('size')!.fail(`size ${size} is not a positive multiple of 4 KiB`, 'a size such as 1GiB');
        const at = m.get('at')?.quantity();
        if (at !== undefined && at % PAGE_SIZE !== 0n) m.get('at')!.fail('address is not page aligned', 'a 4 KiB aligned address');
        const memKind = m.get('kind')?.enumOf(['pc-dimm', 'virtio-mem'] as const) ?? 'pc-dimm';
        void vm;
        return at !== undefined ? { kind: 'memory-hotplug', memKind, size, at } : { kind: 'memory-hotplug', memKind, size };
      }
      default: {
        const m = body.present ? body.map(['operations', 'rounds', 'churn', 'devices']) : new Map<string, Cursor>();
        const devs = m.get('devices')?.seq().map(device);
        const ev = {
          kind: 'dma' as const,
          operations: m.get('operations')?.int(0, 2 ** 50) ?? D.dma.operations,
          rounds: m.get('rounds')?.int(1, 10_000) ?? D.dma.rounds,
          churn: m.get('churn')?.fraction() ?? D.dma.churn,
        };
        return devs ? { ...ev, devices: devs } : ev;
      }
    }
  });
  if (events.length === 0) c.fail('is empty', "a timeline that begins with 'start'");
  return events;
}
