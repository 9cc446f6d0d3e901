// Sweeps: `--param KEY=V1,V2,...` over scenario parameters. Each point of the
// cartesian product is the scenario with those values substituted; trials
// keep their seeds, so points are paired like policies are.
import { InputError, didYouMean } from '../errors.js';
import { PAGE_SIZE, U64_MAX, parseQuantity } from '../model/addr.js';
import type { GuestProfile, Scenario, TimelineEvent } from './types.js';
import { VERSION } from './cursor.js';
import { MAX_RANGE_VALUES, gridValues, isRange, rangeGrid } from './ranges.js';
import { ALIGNMENTS, type Alignment } from '../guest/alignment.js';
import { PLACEMENT_NAMES } from '../guest/placement/registry.js';
import { PRESET_NAMES, WORKLOAD_PRESETS } from '../guest/presets.js';

type Kind = 'size' | 'count' | 'fraction' | 'version' | 'placement' | 'alignment' | 'preset' | 'boolean';

/**
 * Every parameter a sweep may vary, what it is, and where it goes. A value
 * obeys the bounds of the scenario field it sets (scenario/load*.ts):
 * `max` for sizes and counts, `min` for counts.
 */
export const SWEEP_PARAMS: Readonly<Record<string, { kind: Kind; doc: string; min?: number; max?: bigint }>> = {
  'vm.ram': { kind: 'size', doc: 'guest RAM (virt, q35, pc)', max: 1n << 52n },
  'vm.qemu': { kind: 'version', doc: 'QEMU version (the AMD 1 TiB relocation from 7.1)' },
  'vm.viommu': { kind: 'boolean', doc: 'the assigned devices sit behind a vIOMMU (true) or not (false, IOVA == GPA); viommu-guest-avoids tells only such a guest' },
  'host.kernel': { kind: 'version', doc: 'host kernel version (the >= 6.6 DIRECT rule)' },
  'workload.buffers': { kind: 'count', doc: 'buffers per device working set, every device', min: 1, max: 1_000_000n },
  'workload.buffer_size': { kind: 'size', doc: 'buffer size, every device', max: 1n << 40n },
  'workload.low_bias': { kind: 'fraction', doc: 'share of buffers allocated below 4 GiB, every device' },
  'workload.preset': { kind: 'preset', doc: `driver preset, every device: its buffers, size, alignment, placement and recycling (${PRESET_NAMES.join(', ')})` },
  'workload.placement': { kind: 'placement', doc: `placement profile, every device (${PLACEMENT_NAMES.join(', ')})` },
  'workload.alignment': { kind: 'alignment', doc: `buffer start alignment, every device (${ALIGNMENTS.join(', ')})` },
  'dma.operations': { kind: 'count', doc: 'DMA writes per phase, every phase', min: 0, max: 2n ** 50n },
  'dma.churn': { kind: 'fraction', doc: 'share of buffers re-allocated between rounds, every phase' },
  'guests.runtime': { kind: 'fraction', doc: 'share of guests that honour runtime hints (the rest honour firmware tables only)' },
};

export interface SweepAxis {
  readonly key: string;
  readonly values: readonly string[];
}

/** `KEY=V1,V2` flags → axes, each value checked now. */
export function parseSweep(flags: readonly string[]): SweepAxis[] {
  const axes: SweepAxis[] = [];
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    const key = eq < 0 ? flag : flag.slice(0, eq);
    const spec = SWEEP_PARAMS[key];
    if (!spec) throw new InputError(`--param: unknown parameter '${key}'${didYouMean(key, Object.keys(SWEEP_PARAMS))}`, `one of: ${Object.keys(SWEEP_PARAMS).join(', ')}`);
    if (axes.some((a) => a.key === key)) throw new InputError(`--param: '${key}' given twice`, 'each parameter once, with all its values');
    // A value may be a range, LO..HI[:STEP] (ranges.ts), expanded in place.
    const values = (eq < 0 ? [] : flag.slice(eq + 1).split(',').map((v) => v.trim()).filter(Boolean))
      .flatMap((v) => (isRange(v) ? gridValues(rangeGrid('--param', key, spec.kind, v, MAX_RANGE_VALUES)) : [v]));
    if (values.length === 0) throw new InputError(`--param ${key}: no values`, `${key}=V1,V2,...`);
    for (const v of values) checkValue(key, spec, v);
    axes.push({ key, values });
  }
  return axes;
}

const sizeText = (n: bigint) => (n % (1n << 50n) === 0n ? `${n >> 50n} PiB` : n % (1n << 40n) === 0n ? `${n >> 40n} TiB` : `${n} bytes`);

function checkValue(key: string, spec: (typeof SWEEP_PARAMS)[string], v: string): void {
  const bad = (expected: string): never => {
    throw new InputError(`--param ${key}: '${v}' is not ${expected}`, expected);
  };
  const { kind, min = 1, max = U64_MAX } = spec;
  if (kind === 'size') {
    const q = parseQuantity(v);
    if (q === undefined || q === 0n || q % PAGE_SIZE !== 0n || q > max) bad(`a size that is a multiple of 4 KiB, at most ${sizeText(max)}`);
  } else if (kind === 'count') {
    if (!/^[0-9]{1,16}$/.test(v) || BigInt(v) < BigInt(min) || BigInt(v) > max) bad(`a whole number from ${min} to ${max}`);
  } else if (kind === 'fraction') {
    if (!/^[0-9.]+$/.test(v) || !(Number(v) >= 0 && Number(v) <= 1)) bad('a number from 0 to 1');
  } else if (kind === 'placement') {
    if (!PLACEMENT_NAMES.includes(v)) bad(`one of: ${PLACEMENT_NAMES.join(', ')}`);
  } else if (kind === 'preset') {
    if (!PRESET_NAMES.includes(v)) bad(`one of: ${PRESET_NAMES.join(', ')}`);
  } else if (kind === 'boolean') {
    if (v !== 'true' && v !== 'false') bad('true or false');
  } else if (kind === 'alignment') {
    if (!(ALIGNMENTS as readonly string[]).includes(v)) bad(`one of: ${ALIGNMENTS.join(', ')}`);
  } else if (!VERSION.test(v)) bad('a version such as 7.1 or 6.6.12');
}

/** The cartesian product, first axis slowest; [{}] without a sweep. */
export function sweepPoints(axes: readonly SweepAxis[]): Array<Record<string, string>> {
  let points: Array<Record<string, string>> = [{}];
  for (const a of axes) points = points.flatMap((p) => a.values.map((v) => ({ ...p, [a.key]: v })));
  return points;
}

/** A point's label, as CSV and reports show it: `vm.ram=4GiB dma.churn=0.5`. */
export function pointLabel(point: Readonly<Record<string, string>>): string {
  return Object.entries(point).map(([k, v]) => `${k}=${v}`).join(' ');
}

export function applyPoint(s: Scenario, point: Readonly<Record<string, string>>): Scenario {
  let out = s;
  for (const [key, v] of Object.entries(point)) {
    const dma = (f: (e: Extract<TimelineEvent, { kind: 'dma' }>) => TimelineEvent) => out.timeline.map((e) => (e.kind === 'dma' ? f(e) : e));
    const work = (f: (w: Scenario['devices'][number]['workload']) => Scenario['devices'][number]['workload']) => out.devices.map((d) => ({ ...d, workload: f(d.workload) }));
    switch (key) {
      case 'vm.ram':
        if (out.vm.machine === 'explicit') throw new InputError(`--param vm.ram: scenario ${s.name} lays RAM out explicitly`, 'a scenario with machine virt, q35 or pc');
        out = { ...out, vm: { ...out.vm, ram: parseQuantity(v)! } };
        break;
      case 'vm.qemu':
        out = { ...out, vm: { ...out.vm, qemu: v } };
        break;
      case 'vm.viommu':
        out = { ...out, vm: { ...out.vm, viommu: v === 'true' } };
        break;
      case 'host.kernel':
        out = { ...out, host: { ...out.host, kernel: v } };
        break;
      case 'workload.buffers':
        out = { ...out, devices: work((w) => ({ ...w, buffers: Number(v) })) };
        break;
      case 'workload.buffer_size':
        out = { ...out, devices: work((w) => ({ ...w, bufferBytes: parseQuantity(v)! })) };
        break;
      case 'workload.low_bias':
        out = { ...out, devices: work((w) => ({ ...w, lowBias: Number(v) })) };
        break;
      case 'workload.preset': {
        // The preset replaces the device's numbers, as `preset:` alone in the scenario would (low_bias kept).
        const { source: _source, churn, ...preset } = WORKLOAD_PRESETS.get(v)!;
        out = { ...out, devices: work((w) => ({ lowBias: w.lowBias, ...preset, preset: v, ...(churn === undefined ? {} : { churn }) })) };
        break;
      }
      case 'workload.placement':
        out = { ...out, devices: work((w) => ({ ...w, placement: v })) };
        break;
      case 'workload.alignment':
        out = { ...out, devices: work((w) => ({ ...w, alignment: v as Alignment })) };
        break;
      case 'dma.operations':
        out = { ...out, timeline: dma((e) => ({ ...e, operations: Number(v) })) };
        break;
      case 'dma.churn':
        out = { ...out, timeline: dma((e) => ({ ...e, churn: Number(v) })) };
        break;
      case 'guests.runtime': {
        const p = Number(v);
        const guests: GuestProfile[] = [
          { name: 'runtime-hints', weight: p, honours: ['firmware', 'runtime'] },
          { name: 'boot-only', weight: 1 - p, honours: ['firmware'] },
        ];
        out = { ...out, guests: guests.filter((g) => g.weight > 0) };
        break;
      }
    }
  }
  return out;
}

