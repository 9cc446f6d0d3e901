// The AMD host file against drivers/iommu/amd/iommu.c (domain geometry).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelFor } from '../src/kernel/index.js';
import { builtinScenarioDir } from '../src/scenario/builtin.js';
import { loadHostFile } from '../src/scenario/load-host.js';

const GiB = 1n << 30n;

describe('hosts/amd-epyc.yaml: AMD v1 domains have a 64-bit aperture', () => {
  it('drivers/iommu/amd/iommu.c dma_max_address: ~0ULL for PD_MODE_V1, so a map above 2^48 is valid', () => {
    const { host } = loadHostFile(join(builtinScenarioDir(), 'hosts/amd-epyc.yaml'), 'hosts/amd-epyc.yaml');
    expect(host.apertureBits).toBe(64);
    const c = kernelFor('type1', host).newContainer();
    expect(c.attach(host.groups[0]!).status).toBe('ok');
    expect(c.map({ start: 1n << 48n, last: (1n << 48n) + GiB - 1n }).status).toBe('ok');
  });
});
