import { parseScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/types.js';
import { resolvePolicy } from '../../src/engine/policies.js';
import { runTrial } from '../../src/engine/trial.js';
import type { TrialMetrics } from '../../src/engine/result.js';

/** The seed's case in miniature: a 4 GiB virt guest, a NIC whose group has the D05 HW MSI doorbell. */
export function d05(opts: { start?: string[]; hotplug?: boolean; ram?: string; guests?: string; buffers?: number; diskBuffers?: number; extra?: string } = {}): Scenario {
  const start = opts.start ?? [];
  return parseScenario(`
name: mini-d05
title: mini
source: test
description: test
host:
  platform: D05
  arch: aarch64
  iommu: arm-smmu-v3
  kernel: "5.10"
  groups:
    - id: 1
      regions:
        - { start: 0x8000000, last: 0x80fffff, type: sw-msi }
    - id: 3
      regions:
        - { start: 0x8000000, last: 0x80fffff, type: sw-msi }
        - { start: 0xc6010000, last: 0xc601ffff, type: msi }
vm: { machine: virt, ram: ${opts.ram ?? '4GiB'} }
${opts.guests ?? ''}
devices:
  - { name: disk0, group: 1, workload: { buffers: ${opts.diskBuffers ?? 64}, buffer_size: 64KiB } }
  - { name: nic0, group: 3, workload: { buffers: ${opts.buffers ?? 1024}, buffer_size: 64KiB } }
timeline:
  - start: { devices: [${start.join(', ')}] }
${opts.hotplug === false ? '' : '  - hotplug: nic0'}
  - dma: { operations: 100000, rounds: 4, churn: 0.25 }
${opts.extra ?? ''}
`, 'mini-d05.yaml');
}

export function trial(s: Scenario, policy: string, t = 0, trace?: string[]): TrialMetrics {
  const r = runTrial({ scenario: s, policy: resolvePolicy(policy).instance, seed: '7', trial: t, ...(trace ? { trace: (k, x) => trace.push(`${k}: ${x}`) } : {}) });
  if (r.status !== 'ok') throw new Error(r.message);
  return r;
}

/** Sum a metric over n trials. */
export function over(s: Scenario, policy: string, n: number, f: (m: TrialMetrics) => number): number {
  let total = 0;
  for (let t = 0; t < n; t++) total += f(trial(s, policy, t));
  return total;
}

/**
 * A hand-written test scenario: the head every one shares (name, title,
 * source, description, host) with its groups and bridges as YAML flow
 * lines, then `body` (vm, devices, timeline) as it is.
 */
export function scenarioYaml(o: { name?: string; arch?: string; iommu?: string; kernel: string; groups: readonly string[]; bridges?: readonly string[]; body: string }): string {
  const list = (key: string, items: readonly string[]) => `  ${key}:\n${items.map((g) => `    - ${g}\n`).join('')}`;
  return `name: ${o.name ?? 't'}
title: t
source: s
description: d
host:
  platform: p
  arch: ${o.arch ?? 'aarch64'}
  iommu: ${o.iommu ?? 'arm-smmu-v3'}
  kernel: "${o.kernel}"
${list('groups', o.groups)}${o.bridges ? list('bridges', o.bridges) : ''}${o.body}`;
}
