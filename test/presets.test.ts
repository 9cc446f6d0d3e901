// Workload presets from real drivers (guest/presets.ts): their numbers, and
// a page_pool's recycling, which keeps the phase's churn from re-drawing pages.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exactLoss } from '../src/engine/exact.js';
import { resolvePolicy } from '../src/engine/policies.js';
import { parseScenario } from '../src/scenario/load.js';
import { runStudy } from '../src/engine/study.js';
import { wilson } from '../src/results/stats.js';

const FILE = join(resolve(__dirname, '..'), 'scenarios/d05-hw-msi-hotplug.yaml');
const d05With = (workload: string) =>
  parseScenario(readFileSync(FILE, 'utf8').replace('workload: { buffers: 1024, buffer_size: 64KiB }', `workload: ${workload}`), FILE);

describe('driver workload presets', () => {
  it('mlx5-rx: 1024 RX pages (MLX5E_PARAMS_DEFAULT_LOG_RQ_SIZE 0xa), 4 KiB, page_pool recycled; fields given still win', () => {
    expect(d05With('{ preset: mlx5-rx }').devices[0]!.workload).toEqual({ preset: 'mlx5-rx', buffers: 1024, bufferBytes: 4096n, lowBias: 0, placement: 'steady-state', alignment: 'page', churn: 0 });
    expect(d05With('{ preset: mlx5-rx, buffers: 16 }').devices[0]!.workload.buffers).toBe(16);
  });

  it('nvme-io: io_queue_depth 1024 (drivers/nvme/host/pci.c), a fresh page per request', () => {
    expect(d05With('{ preset: nvme-io }').devices[0]!.workload).toMatchObject({ buffers: 1024, bufferBytes: 4096n, churn: 1 });
  });

  it('amdgpu-ih: Vega10 IH ring, IH_RING_SIZE 256 KiB + 8 bytes from dma_alloc_coherent (drivers/gpu/drm/amd/amdgpu/amdgpu_ih.c), 65 pages on a 128-page boundary, coherent, allocated once', () => {
    expect(d05With('{ preset: amdgpu-ih }').devices[0]!.workload).toEqual({ preset: 'amdgpu-ih', buffers: 1, bufferBytes: 65n * 4096n, lowBias: 0, placement: 'coherent', alignment: 'natural', churn: 0 });
  });

  it('recycling matters: the same 1024 pages lose less when the pool re-posts them than when each phase re-draws 1/8 of them, and less than a fresh page per request', () => {
    const baseline = resolvePolicy('no-checks-2016').instance;
    const recycled = exactLoss(d05With('{ preset: mlx5-rx }'), baseline)!.data;
    const churned = exactLoss(d05With('{ buffers: 1024, buffer_size: 4KiB, alignment: page }'), baseline)!.data;
    const fresh = exactLoss(d05With('{ preset: nvme-io }'), baseline)!.data;
    expect(recycled).toBeGreaterThan(0);
    expect(recycled).toBeLessThan(churned);
    expect(churned).toBeLessThan(fresh);
  });

  it('the simulation agrees with the exact value under a preset (99.9% interval, 600 trials)', async () => {
    const scenarios = [d05With('{ preset: mlx5-rx }'), d05With('{ preset: nvme-io }')];
    const pairs = await runStudy({ scenarios, policies: [resolvePolicy('no-checks-2016')], trials: 600, seed: '5' });
    for (const p of pairs) {
      const w = wilson(p.row.dataLoss.k, p.row.dataLoss.n, 3.2905267314919255);
      expect(p.row.dataLossExact!).toBeGreaterThanOrEqual(w.lo - 1e-12);
      expect(p.row.dataLossExact!).toBeLessThanOrEqual(w.hi + 1e-12);
    }
  });

  it('an unknown preset is one line', () => {
    expect(() => d05With('{ preset: e1000 }')).toThrow(/workload\.preset: 'e1000' is not known — one of: mlx5-rx, nvme-io, amdgpu-ih/);
  });
});
