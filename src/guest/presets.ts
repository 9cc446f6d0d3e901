// Workload presets from real drivers: a scenario may name one instead of
// giving numbers (fields it gives still win). Each preset cites the driver
// source its ring size, buffer size and recycling come from.
import type { Alignment } from './alignment.js';

export interface WorkloadPreset {
  readonly buffers: number;
  readonly bufferBytes: bigint;
  readonly alignment: Alignment;
  readonly placement: string;
  /** Share of buffers re-drawn between rounds, in place of the DMA phase's churn (undefined: the phase's). */
  readonly churn?: number;
  readonly source: string;
}

export const WORKLOAD_PRESETS: ReadonlyMap<string, WorkloadPreset> = new Map<string, WorkloadPreset>([
  [
    // 1024 RX descriptors (MLX5E_PARAMS_DEFAULT_LOG_RQ_SIZE 0xa), one order-0
    // page each from the queue's page_pool; pages come back to the pool and
    // are posted again, not re-drawn from the page allocator.
    'mlx5-rx',
    {
      buffers: 1024, bufferBytes: 4096n, alignment: 'page', placement: 'steady-state', churn: 0,
      source: 'torvalds/linux:drivers/net/ethernet/mellanox/mlx5/core/en/params.c (mlx5e_init_rq_type_params), en.h (MLX5E_PARAMS_DEFAULT_LOG_RQ_SIZE), en_main.c (page_pool_create in mlx5e_alloc_rq)',
    },
  ],
  [
    // io_queue_depth 1024 commands in flight, each at least one 4 KiB page of
    // page cache or anonymous memory, a different page for each request.
    'nvme-io',
    {
      buffers: 1024, bufferBytes: 4096n, alignment: 'natural', placement: 'steady-state', churn: 1,
      source: 'torvalds/linux:drivers/nvme/host/pci.c (io_queue_depth = 1024)',
    },
  ],
  [
    // A GPU's interrupt ring: Vega10 allocates its IH ring with a bus address
    // (vega10_ih_sw_init: amdgpu_ih_ring_init(..., IH_RING_SIZE, true)), so
    // amdgpu_ih_ring_init takes dma_alloc_coherent(ring_size + 8): 256 KiB of
    // ring and the wptr/rptr shadows, 65 pages once page-aligned, on a
    // 128-page boundary (get_order), from the CMA area where there is one.
    // Allocated once at init and written by the GPU for every interrupt.
    'amdgpu-ih',
    {
      buffers: 1, bufferBytes: 65n * 4096n, alignment: 'natural', placement: 'coherent', churn: 0,
      source: 'torvalds/linux:drivers/gpu/drm/amd/amdgpu/amdgpu_ih.c (amdgpu_ih_ring_init, dma_alloc_coherent), amdgpu_ih.h (IH_RING_SIZE 256 KiB), vega10_ih.c (vega10_ih_sw_init)',
    },
  ],
]);

export const PRESET_NAMES: readonly string[] = [...WORKLOAD_PRESETS.keys()];
