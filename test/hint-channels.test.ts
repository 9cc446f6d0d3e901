// Hint channels (src/guest/channels/): how a VMM can keep a guest's DMA off
// some of its RAM. Only boot firmware tables describe RAM; virtio-mem and an
// ACPI eject take RAM away; virtio-iommu reaches only vIOMMU guests; any
// other channel is hypothetical. Each test names the source of its rule.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IntervalSet } from '../src/model/intervals.js';
import type { ChannelRequest } from '../src/guest/channels/channel.js';
import { channelLabel } from '../src/guest/channels/channel.js';
import { HINT_CHANNELS, hintChannel } from '../src/guest/channels/registry.js';
import { routeHint } from '../src/engine/hint-route.js';
import { cmaArea } from '../src/guest/placement/coherent.js';
import { resolvePolicy } from '../src/engine/policies.js';
import { runStudy } from '../src/engine/study.js';
import { parseScenario } from '../src/scenario/load.js';
import { resolveScenario } from '../src/scenario/builtin.js';
import { exactLoss } from '../src/engine/exact.js';
import { applyPoint } from '../src/scenario/params.js';
import { hintChannelLines } from '../src/render/loss-ranges.js';
import { LOSS_ASSUMPTIONS } from '../src/check/verdict.js';
import { renderSummaryCsv } from '../src/render/csv.js';
import { parseSummaryCsv } from '../src/results/csv-read.js';

const MiB = 1n << 20n;
const GiB = 1n << 30n;
const doorbell = IntervalSet.of({ start: 0xc6010000n, last: 0xc601ffffn });
const base: ChannelRequest = { phase: 'hotplug', ranges: doorbell, dimms: [], vIommu: false, qemu: '9.2' };
const offer = (name: string, req: Partial<ChannelRequest>) => hintChannel(name).offer({ ...base, ...req });

describe('hint channels', () => {
  it('firmware tables (E820, DT reserved-memory; arch/x86/kernel/e820.c) reach the guest only at boot, whole pages', () => {
    expect(offer('firmware-tables', { phase: 'start', ranges: IntervalSet.of({ start: 0xc6010010n, last: 0xc6010020n }) })).toEqual({ taken: IntervalSet.of({ start: 0xc6010000n, last: 0xc6010fffn }), failChance: 0 });
    expect(offer('firmware-tables', { phase: 'hotplug' })).toBe('firmware tables are read once, at boot');
  });

  it('virtio-mem (hw/virtio/virtio-mem.c virtio_mem_plug_request) withholds whole 2 MiB blocks of a device being plugged; plugged RAM cannot be named (drivers/virtio/virtio_mem.c: the guest picks)', () => {
    const added = { range: { start: 0xc0000000n, last: 0xffffffffn }, kind: 'virtio-mem' as const };
    expect(offer('virtio-mem', { phase: 'memory-hotplug', added })).toEqual({ taken: IntervalSet.of({ start: 0xc6000000n, last: 0xc61fffffn }), failChance: 0 });
    expect(offer('virtio-mem', { phase: 'memory-hotplug', added: { ...added, kind: 'pc-dimm' } })).toMatch(/guest picks/);
    expect(offer('virtio-mem', { phase: 'hotplug' })).toMatch(/guest picks/);
  });

  it('ACPI hot-remove (hw/acpi/memory_hotplug.c; mm/memory_hotplug.c offline_pages -EBUSY) ejects a whole plugged pc-dimm, failing when a 128 MiB block holds unmovable pages; boot RAM is no DIMM', () => {
    const dimm = { start: 0xc0000000n, last: 0xcfffffffn }; // 256 MiB: two memory blocks
    const o = offer('acpi-hot-remove', { dimms: [dimm] });
    expect(typeof o).toBe('object');
    if (typeof o === 'string') return;
    expect(o.taken).toEqual(IntervalSet.of(dimm));
    expect(o.failChance).toBeCloseTo(0.75, 12);
    expect(offer('acpi-hot-remove', { dimms: [] })).toMatch(/boot RAM/);
  });

  it('virtio-iommu RESV_MEM (hw/virtio/virtio-iommu.c virtio_iommu_set_host_iova_ranges; viommu_add_resv_mem): vIOMMU guests only, QEMU 8.2 at start, 9.1 for hotplug', () => {
    expect(offer('virtio-iommu-resv-mem', {})).toMatch(/no virtio-iommu/);
    expect(offer('virtio-iommu-resv-mem', { vIommu: true, phase: 'start', qemu: '8.1' })).toMatch(/< 8\.2/);
    expect(offer('virtio-iommu-resv-mem', { vIommu: true, phase: 'start', qemu: '8.2' })).toEqual({ taken: IntervalSet.EMPTY, failChance: 0, iovaAvoided: doorbell });
    expect(offer('virtio-iommu-resv-mem', { vIommu: true, phase: 'hotplug', qemu: '9.0' })).toMatch(/< 9\.1 .*hotplugged/);
    expect(offer('virtio-iommu-resv-mem', { vIommu: true, phase: 'hotplug', qemu: '9.1' })).toEqual({ taken: IntervalSet.EMPTY, failChance: 0, iovaAvoided: doorbell });
  });

  it('every channel but the runtime message exists; that one is labelled hypothetical', () => {
    expect(HINT_CHANNELS.filter((c) => c.status === 'hypothetical').map(channelLabel)).toEqual(['runtime-message (hypothetical)']);
    for (const c of HINT_CHANNELS) expect(c.sources.length).toBeGreaterThan(0);
  });

  it('doorbell check states the runtime hints it assumes a guest honours as hypothetical, naming their channel', () => {
    const runtime = HINT_CHANNELS.filter((c) => c.guestHonours === 'runtime');
    expect(runtime.length).toBeGreaterThan(0);
    expect(LOSS_ASSUMPTIONS).toContain('honours firmware tables and runtime hints');
    expect(LOSS_ASSUMPTIONS).toContain(`runtime hints are hypothetical (${runtime.map((c) => c.name).join(', ')}): no VMM sends one`);
  });

  it('a policy that accepts only existing channels is aborted where none reaches the guest; `any` falls back to the hypothetical message', () => {
    const told = { action: 'proceed' as const, tellGuest: doorbell };
    const none = routeHint({ ...told, tellVia: 'existing' }, base, () => false);
    expect(none.decision.action).toBe('abort');
    expect(none.decision.action === 'abort' && none.decision.reason).toMatch(/^no channel that exists reaches the guest \(firmware-tables: .*virtio-mem: .*acpi-hot-remove: .*\)$/);
    expect(routeHint({ ...told, tellVia: 'any' }, base, () => false).via?.channel.name).toBe('runtime-message');
    // a refused eject aborts an existing-only policy too
    const refused = routeHint({ ...told, tellVia: 'existing' }, { ...base, dimms: [{ start: 0xc0000000n, last: 0xc7ffffffn }] }, () => true);
    expect(refused.decision.action).toBe('abort');
    expect(refused.refused).toMatch(/acpi-hot-remove: .*unmovable/);
  });

  it('the CMA area is reserved at boot (kernel/dma/contiguous.c dma_contiguous_reserve): a hint after boot does not move it', () => {
    const ram = IntervalSet.of({ start: GiB, last: 5n * GiB - 1n });
    const hinted = ram.subtract(IntervalSet.of({ start: 0xfe000000n, last: 0xffffffffn }));
    const atBoot = cmaArea({ usable: hinted, boot: ram, arch: 'arm64', workingSetBytes: 0n })!;
    expect(atBoot).toEqual(IntervalSet.of({ start: 4n * GiB - 32n * MiB, last: 4n * GiB - 1n }));
    // only firmware tables at the next boot move it
    expect(cmaArea({ usable: hinted, boot: hinted, arch: 'arm64', workingSetBytes: 0n })!.max()).toBe(0xfe000000n - 1n);
  });

  it('nor does memory hot-added after boot: a DIMM over 0xfee00000 never holds the CMA area (aarch64-guest-dimm-on-x86-host, coherent)', () => {
    const s = resolveScenario('aarch64-guest-dimm-on-x86-host');
    const baseline = resolvePolicy('no-checks-2016').instance;
    expect(exactLoss(applyPoint(s, { 'workload.placement': 'coherent' }), baseline)!.data).toBe(0);
    expect(exactLoss(applyPoint(s, { 'workload.placement': 'steady-state' }), baseline)!.data).toBeGreaterThan(0.05);
  });
});

describe('hint channels in the policies (Will Deacon: proceed where the guest can be told through a channel that exists, abort where it cannot)', () => {
  const FILE = join(resolve(__dirname, '..'), 'scenarios/memory-hotplug-over-doorbell.yaml');
  const withKind = (kind: string) => parseScenario(readFileSync(FILE, 'utf8').replace('kind: pc-dimm', `kind: ${kind}`), FILE);
  const tolerates = resolvePolicy('qemu-tolerates');

  it('qemu-tolerates plugs a virtio-mem device over the doorbell, its blocks there left unplugged, and loses nothing', async () => {
    const [p] = await runStudy({ scenarios: [withKind('virtio-mem')], policies: [tolerates], trials: 20, seed: '1' });
    expect(p!.row.memHotplugOk).toBe(20);
    expect(p!.row.hintChannels).toBe('virtio-mem 20');
    expect(p!.row.ramUnusableBytes).toBe(2n * MiB);
    expect(p!.row.dataLoss.k).toBe(0);
  });

  it('qemu-tolerates refuses a pc-dimm over the doorbell (no channel names RAM being added) and a hotplug over boot RAM', async () => {
    const [dimm] = await runStudy({ scenarios: [withKind('pc-dimm')], policies: [tolerates], trials: 20, seed: '1' });
    expect(dimm!.row.memHotplugOk).toBe(0);
    expect(dimm!.row.refusedVmm).toBe(20);
    const [hot] = await runStudy({ scenarios: [resolveScenario('d05-hw-msi-hotplug')], policies: [tolerates], trials: 20, seed: '1' });
    expect(hot!.row.hotplug.k).toBe(0);
    expect(hot!.row.hotplugAbortedVmm).toBe(hot!.row.hotplugAttempts);
  });

  it('guest-avoids-range tells a hotplugged guest through the hypothetical runtime message, and the report says so', async () => {
    const [p] = await runStudy({ scenarios: [resolveScenario('d05-hw-msi-hotplug')], policies: [resolvePolicy('guest-avoids-range')], trials: 20, seed: '1' });
    expect(p!.row.hintChannels).toMatch(/runtime-message \(hypothetical\) \d+/);
    expect(hintChannelLines([p!.row], (r) => r.policy, 72).join('\n')).toMatch(/guest-avoids-range: runtime-message \(hypothetical\) \d+/);
    const csv = renderSummaryCsv([p!.row]);
    expect(parseSummaryCsv(csv)[0]!.hintChannels).toBe(p!.row.hintChannels);
  });
});
