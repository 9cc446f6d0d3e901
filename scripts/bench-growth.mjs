// Cost growth for npm run bench (issue 18): the exact engine's cost against
// paths, devices, events and regions; the simulation's against trials,
// buffers, events, regions and sweep points. Each at two points a decade
// apart, on made-up scenarios that differ in that one count alone.
import { parseScenario } from '../dist/src/scenario/load.js';
import { applyPoint } from '../dist/src/scenario/params.js';
import { exactLossAndReach } from '../dist/src/engine/exact.js';
import { runTrial } from '../dist/src/engine/trial.js';

const HEAD = `name: g
title: g
source: s
description: d
host:
  platform: p
  arch: aarch64
  iommu: arm-smmu-v3
  kernel: "6.8"
  groups:
`;

/** `devices` devices in groups of their own, `regions` reserved ranges in each, `guests` guest profiles, `events` DMA phases. */
function scenario({ devices = 1, regions = 1, guests = 1, events = 1, buffers = 256 } = {}) {
  const ids = Array.from({ length: devices }, (_, i) => i);
  // One HW doorbell inside RAM per range, 1 MiB apart above 3 GiB (D05-like).
  const ranges = Array.from({ length: regions }, (_, r) => `{ start: ${0xc0000000 + r * 0x100000}, last: ${0xc0000000 + r * 0x100000 + 0xffff}, type: msi }`).join(', ');
  return parseScenario(`${HEAD}${ids.map((i) => `    - { id: ${i}, regions: [${ranges}] }\n`).join('')}vm: { machine: virt, ram: 4GiB }
guests:
${Array.from({ length: guests }, (_, g) => `  - { name: g${g}, weight: 1, honours: [firmware] }\n`).join('')}devices:
${ids.map((i) => `  - { name: d${i}, group: ${i}, workload: { buffers: ${buffers} } }\n`).join('')}timeline:
  - start: { devices: [${ids.map((i) => `d${i}`).join(', ')}] }
${'  - dma: {}\n'.repeat(events)}`, 'growth.yaml');
}

/** Milliseconds per call of fn: repeated for at least minMs after one warm-up call. */
function cost(fn, minMs = 300) {
  fn();
  let n = 0;
  const t = performance.now();
  while (performance.now() - t < minMs || n < 2) { fn(); n++; }
  return (performance.now() - t) / n;
}

/** Rows for the bench table: [name, ratio of the costs at hi and lo]. */
export function growthRows(policy) {
  const rows = [];
  const exact = (s) => () => { if (!exactLossAndReach(s, policy)) throw new Error(`${s.name}: no exact value`); };
  const sim = (s, trials = 20) => () => { for (let t = 0; t < trials; t++) runTrial({ scenario: s, policy, seed: 'g', trial: t }); };
  const growth = (name, lo, hi, at) => {
    const [a, b] = [cost(at(lo)), cost(at(hi))];
    rows.push([`growth: ${name} ${lo} -> ${hi}`, b / a]);
  };
  growth('exact vs paths (guest profiles)', 10, 100, (n) => exact(scenario({ guests: n })));
  growth('exact vs devices', 10, 100, (n) => exact(scenario({ devices: n })));
  growth('exact vs events (DMA phases)', 10, 100, (n) => exact(scenario({ events: n })));
  growth('exact vs regions (per group)', 10, 100, (n) => exact(scenario({ regions: n })));
  growth('exact vs buffers', 100, 1000, (n) => exact(scenario({ buffers: n })));
  growth('simulation vs trials', 10, 100, (n) => sim(scenario(), n));
  growth('simulation vs buffers (20 trials)', 100, 1000, (n) => sim(scenario({ buffers: n })));
  growth('simulation vs events (20 trials)', 10, 100, (n) => sim(scenario({ events: n })));
  growth('simulation vs regions (20 trials)', 10, 100, (n) => sim(scenario({ regions: n })));
  growth('simulation vs devices (20 trials)', 10, 100, (n) => sim(scenario({ devices: n })));
  // Sweep points: the same scenario at N values of workload.low_bias (placement only, not the work), 20 trials each.
  growth('simulation vs sweep points (20 trials each)', 1, 10, (n) => {
    const points = Array.from({ length: n }, (_, k) => applyPoint(scenario(), { 'workload.low_bias': String(k / 20) }));
    return () => points.forEach((s) => sim(s)());
  });
  return rows;
}
