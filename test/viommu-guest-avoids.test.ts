// viommu-guest-avoids: QEMU passes the host's reserved ranges to a guest
// behind a virtio-iommu as RESV_MEM probe entries (qemu/qemu
// hw/virtio/virtio-iommu.c: 30d40e39bdcb in 8.2; cf2647a76e in 9.1, from
// set_iommu_device, so also for a hotplugged device), and Linux keeps its
// IOVA allocator off them (drivers/iommu/virtio-iommu.c viommu_add_resv_mem).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '../src/engine/policies.js';
import { runStudy } from '../src/engine/study.js';
import { resolveScenario } from '../src/scenario/builtin.js';
import { parseScenario } from '../src/scenario/load.js';
import { routeHint } from '../src/engine/hint-route.js';
import { IntervalSet } from '../src/model/intervals.js';
import { POLICIES } from '../policies/registry.js';

const FILE = join(resolve(__dirname, '..'), 'scenarios/viommu-d05-hotplug.yaml');
const variant = (from: string, to: string) => parseScenario(readFileSync(FILE, 'utf8').replace(from, to), FILE);
const policy = resolvePolicy('viommu-guest-avoids');
const run = async (s: ReturnType<typeof resolveScenario>) => (await runStudy({ scenarios: [s], policies: [policy], trials: 20, seed: '1' }))[0]!.row;

describe('viommu-guest-avoids (virtio-iommu RESV_MEM, QEMU 8.2 / 9.1)', () => {
  it('is registered with its status and sources, and has shipped', () => {
    const def = POLICIES.find((p) => p.name === 'viommu-guest-avoids')!;
    expect(def.status).toMatch(/QEMU 8\.2.*9\.1/);
    expect(def.source).toMatch(/30d40e39bdcb.*cf2647a76e/);
    expect(def.counterfactual).toBe('');
  });

  it('viommu-d05-hotplug (QEMU 9.1): the hotplugged NIC is told through virtio-iommu, plugs, and no RAM is lost', async () => {
    const row = await run(resolveScenario('viommu-d05-hotplug'));
    expect(row.hotplug.k).toBe(20);
    expect(row.hintChannels).toBe('virtio-iommu-resv-mem 20');
    // the guest's RAM over the HW MSI region stays usable through other IOVAs
    expect(row.ramUnusableBytes).toBe(0n);
    expect(row.dataLoss.k).toBe(0);
  });

  it('QEMU 9.0 sends no entries for a hotplugged device: QEMU maps as always and the kernel (type1) refuses', async () => {
    const row = await run(variant('qemu: "9.1"', 'qemu: "9.0"'));
    expect(row.hotplug.k).toBe(0);
    expect(row.hotplugRejectedKernel).toBe(20);
    expect(row.hintChannels).toBe('');
  });

  it('a guest without a virtio-iommu (vm.viommu false, the default) is told nothing: the kernel refuses', async () => {
    const row = await run(variant('viommu: true', 'viommu: false'));
    expect(row.hotplug.k).toBe(0);
    expect(row.hotplugRejectedKernel).toBe(20);
  });

  it('a decision naming one channel uses it alone; where it cannot reach the guest the VMM proceeds untold', () => {
    const ranges = IntervalSet.of({ start: 0xc6010000n, last: 0xc601ffffn });
    const r = routeHint({ action: 'proceed', mapAround: ranges, tellGuest: ranges, tellVia: 'virtio-iommu-resv-mem' }, { phase: 'start', dimms: [], vIommu: false, qemu: '9.2' }, () => false);
    expect(r.decision).toEqual({ action: 'proceed' });
    expect(r.unreached).toMatch(/no virtio-iommu/);
  });
});
