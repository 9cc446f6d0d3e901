// The timeline: what happens to the VM, in order, with declared randomness.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Host } from '../model/host.js';
import { PAGE_SIZE, U64_MAX, formatSize, hex } from '../model/addr.js';
import type { Cursor } from './cursor.js';
import { SCENARIO_DEFAULTS as D } from './defaults.js';
import { LIMITS } from './limits.js';
import { type LoadedHost, loadHostFile } from './load-host.js';
import { builtinHostNames, builtinHostPath } from './package-root.js';
import type { DeviceSpec, Destination, SourceFileInfo, TimelineEvent } from './types.js';

const EVENTS = ['start', 'hotplug', 'unplug', 'memory-hotplug', 'dma', 'migrate', 'reboot'] as const;

export interface TimelineContext {
  readonly devices: readonly DeviceSpec[];
  /** The scenario file's path, for host files named relative to it. */
  readonly scenarioPath: string;
  readonly displayDir: string;
  /** Files read while loading (migration destinations), for the fingerprint. */
  readonly files: SourceFileInfo[];
}

export function readTimeline(c: Cursor, ctx: TimelineContext): TimelineEvent[] {
  const known = ctx.devices.map((d) => d.name);
  const device = (x: Cursor) => {
    const n = x.string();
    if (!known.includes(n)) x.enumOf(known);
    return n;
  };
  // Devices that may be plugged at this point of the timeline (a pool makes several "maybe").
  const maybe = new Set<string>();
  const list = c.seq();
  if (list.length === 0) c.fail('is empty', "a timeline that begins with 'start'");
  if (list.length > LIMITS.timelineEvents) c.fail(`has ${list.length} events`, `at most ${LIMITS.timelineEvents} events`);
  return list.map((e, i): TimelineEvent => {
    const f = e.map(EVENTS);
    if (f.size !== 1) e.fail(`has ${f.size} event keys`, `exactly one of: ${EVENTS.join(', ')}`);
    const [kind, body] = [...f.entries()][0]!;
    if ((kind === 'start') !== (i === 0)) e.fail(i === 0 ? `first event is '${kind}'` : "a second 'start'", "one 'start' event, first");
    const chanceOf = (m: Map<string, Cursor>) => m.get('chance')?.fraction() ?? 1;
    switch (kind) {
      case 'start': {
        const cursors = body.present ? (body.map(['devices']).get('devices')?.seq() ?? []) : [];
        const devs = cursors.map(device);
        devs.forEach((d, k) => devs.indexOf(d) !== k && cursors[k]!.fail(`device '${d}' listed twice`, 'each cold-plugged device once'));
        devs.forEach((d) => maybe.add(d));
        return { kind: 'start', devices: devs };
      }
      case 'hotplug': {
        const m = body.map(['device', 'pool', 'chance'], true);
        let pool: Array<{ device: string; weight: number }>;
        if (m.has('pool')) {
          if (m.has('device')) body.fail("has both 'device' and 'pool'", 'one of them');
          pool = m.get('pool')!.seq().map((p) => {
            const pf = p.map(['device', 'weight']);
            return { device: device(pf.get('device') ?? p.fail("missing 'device'", 'a device name')), weight: pf.get('weight')?.positive() ?? 1 };
          });
          if (pool.length === 0) m.get('pool')!.fail('is empty', 'at least one device');
          m.get('pool')!.weightSum(pool.map((p) => p.weight));
        } else {
          pool = [{ device: device(m.get('device') ?? body.fail("missing 'device'", "a device name, or 'pool'")), weight: 1 }];
        }
        for (const p of pool) {
          if (maybe.has(p.device)) (m.get('pool') ?? m.get('device') ?? body).fail(`device '${p.device}' may already be plugged`, 'an unplug before hotplugging it again');
        }
        pool.forEach((p) => maybe.add(p.device));
        return { kind: 'hotplug', pool, chance: chanceOf(m) };
      }
      case 'unplug': {
        const m = body.map(['device', 'chance'], true);
        const dc = m.get('device') ?? body.fail("missing 'device'", 'a device name');
        const d = device(dc);
        if (!maybe.has(d)) dc.fail(`device '${d}' is not plugged`, 'a device added at start or by hotplug');
        maybe.delete(d);
        return { kind: 'unplug', device: d, chance: chanceOf(m) };
      }
      case 'memory-hotplug': {
        const m = body.map(['kind', 'size', 'at', 'chance']);
        const size = (m.get('size') ?? body.fail("missing 'size'", 'a size such as 1GiB')).quantity();
        if (size === 0n || size % PAGE_SIZE !== 0n) m.get('size')!.fail(`size ${size} is not a positive multiple of 4 KiB`, 'a size such as 1GiB');
        if (size > 1n << 52n) m.get('size')!.fail(`size ${size} is absurd`, 'at most 4 PiB, as for RAM');
        const at = m.get('at')?.quantity();
        if (at !== undefined && at % PAGE_SIZE !== 0n) m.get('at')!.fail('address is not page aligned', 'a 4 KiB aligned address');
        // Inside 64 bits: QEMU refuses a wrapping addr= + size (qemu/qemu:hw/mem/memory-device.c memory_device_get_free_addr, range_init fails).
        if (at !== undefined && at + size - 1n > U64_MAX) m.get('at')!.fail(`memory-hotplug ${formatSize(size)} at ${hex(at)} runs past 0xffffffffffffffff`, 'a range inside 64 bits');
        const memKind = m.get('kind')?.enumOf(['pc-dimm', 'virtio-mem'] as const) ?? 'pc-dimm';
        const base = { kind: 'memory-hotplug' as const, memKind, size, chance: chanceOf(m) };
        return at !== undefined ? { ...base, at } : base;
      }
      case 'migrate': {
        const m = body.map(['to', 'pool', 'chance'], true, 'to');
        const dest = (x: Cursor, weight: number): Destination => {
          const ref = x.string();
          const loaded = loadRelative(ref, ctx, x);
          for (const d of ctx.devices) {
            if (!loaded.host.groups.some((g) => g.id === d.group)) x.fail(`host ${ref} has no group ${d.group} for device '${d.name}'`, 'the same group ids on every host the VM visits');
          }
          return { host: loaded.host, file: loaded.file, weight };
        };
        let pool: Destination[];
        if (m.has('pool')) {
          pool = m.get('pool')!.seq().map((p) => {
            const pf = p.map(['to', 'weight']);
            return dest(pf.get('to') ?? p.fail("missing 'to'", 'a host file'), pf.get('weight')?.positive() ?? 1);
          });
          if (pool.length === 0) m.get('pool')!.fail('is empty', 'at least one destination');
          m.get('pool')!.weightSum(pool.map((p) => p.weight));
        } else {
          pool = [dest(m.get('to') ?? body.fail("missing 'to'", "a host file, or 'pool'"), 1)];
        }
        return { kind: 'migrate', pool, chance: chanceOf(m) };
      }
      case 'reboot': {
        const m = body.present ? body.map(['chance']) : new Map<string, Cursor>();
        return { kind: 'reboot', chance: chanceOf(m) };
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
}

/** A host file named relative to the scenario file; `at` is where the scenario names it. */
export function loadRelative(ref: string, ctx: { scenarioPath: string; displayDir: string; files: SourceFileInfo[] }, at: Cursor): LoadedHost {
  // `builtin:NAME`: scenarios/hosts/NAME.yaml of this package, from a scenario anywhere.
  if (ref.startsWith('builtin:')) {
    const name = ref.slice('builtin:'.length);
    const path = builtinHostPath(name) ?? at.fail(`no built-in host '${name}'`, `builtin: and one of: ${builtinHostNames().join(', ')}`);
    const loaded = loadHostFile(path, `scenarios/hosts/${name}.yaml`);
    if (!ctx.files.some((f) => f.file === loaded.file)) ctx.files.push({ file: loaded.file, sha256: loaded.sha256 });
    return loaded;
  }
  const path = resolve(dirname(ctx.scenarioPath), ref);
  const display = (ctx.displayDir ? `${ctx.displayDir}/${ref}` : ref).replace(/\/\.\//g, '/');
  if (!existsSync(path)) at.fail(`host file ${display} does not exist`, 'a host YAML file, named relative to the scenario');
  const loaded = loadHostFile(path, display);
  if (!ctx.files.some((f) => f.file === loaded.file)) ctx.files.push({ file: loaded.file, sha256: loaded.sha256 });
  return loaded;
}

export type { Host };
