// Each exact loss figure with its range over the declared assumptions
// (placement x alignment x guest mix x workload preset) and the assumption that moves it most.
import { describe, expect, it } from 'vitest';
import { allPolicies, resolvePolicy } from '../src/engine/policies.js';
import { exactLoss } from '../src/engine/exact.js';
import { assumptionPoints, lossRanges } from '../src/engine/sensitivity.js';
import { exactLossAndReach } from '../src/engine/exact.js';
import { recordTapes, replayLoss } from '../src/engine/loss-replay.js';
import { runStudy } from '../src/engine/study.js';
import { rangeText } from '../src/render/loss-ranges.js';
import { renderTextReport } from '../src/render/text.js';
import type { RunInfo } from '../src/results/run-info.js';
import { parseSummaryCsv } from '../src/results/csv-read.js';
import { renderSummaryCsv } from '../src/render/csv.js';
import { resolveScenario } from '../src/scenario/builtin.js';
import { applyPoint } from '../src/scenario/params.js';
import { renderMarkdownReport } from '../src/render/markdown.js';

describe('loss ranges over the assumption space', () => {
  const baseline = resolvePolicy('no-checks-2016').instance;

  it('aarch64 guest on AMD: 0% when buffers start in ZONE_NORMAL, ~100% in the CMA area over 0xfee00000; placement moves it most', () => {
    const s = resolveScenario('aarch64-guest-on-amd-host');
    const r = lossRanges(s, baseline)!;
    expect(r.data.lo).toBe(0);
    expect(r.data.hi).toBeGreaterThan(0.999);
    expect(r.data.sensitiveTo).toBe('placement');
    expect(r.silent).toEqual({ lo: 0, hi: 0, sensitiveTo: 'none' }); // AMD logs the write: never silent
  });

  it('D05: the exact figure lies inside its range, which alignment also moves', () => {
    const s = resolveScenario('d05-hw-msi-hotplug');
    const r = lossRanges(s, baseline)!;
    const e = exactLoss(s, baseline)!;
    expect(r.data.lo).toBeLessThanOrEqual(e.data);
    expect(r.data.hi).toBeGreaterThanOrEqual(e.data);
    expect(r.data.hi).toBeGreaterThan(e.data * 1.5);
    expect(r.silent.sensitiveTo).not.toBe('none');
  });

  it('the workload presets are part of the space (issue 12: placement profiles x workload presets x guest mix): each preset\'s figure lies inside the range', () => {
    const s = resolveScenario('d05-hw-msi-hotplug');
    const r = lossRanges(s, baseline)!;
    for (const preset of ['mlx5-rx', 'nvme-io', 'amdgpu-ih']) {
      const e = exactLoss(applyPoint(s, { 'workload.preset': preset }), baseline)!.data;
      expect(r.data.lo).toBeLessThanOrEqual(e + 1e-12);
      expect(r.data.hi).toBeGreaterThanOrEqual(e - 1e-12);
    }
    // a preset's own placement gives way to the point's (the workload applies first)
    const both = applyPoint(s, { 'workload.preset': 'amdgpu-ih', 'workload.placement': 'dma32' });
    expect(both.devices[0]!.workload).toMatchObject({ preset: 'amdgpu-ih', placement: 'dma32', buffers: 1 });
  });

  it('names no assumption where the policy refuses every map (kernel-rejects on aarch64-on-AMD)', () => {
    expect(lossRanges(resolveScenario('aarch64-guest-on-amd-host'), resolvePolicy('kernel-rejects').instance)!.data).toEqual({ lo: 0, hi: 0, sensitiveTo: 'none' });
  });

  it('a workload variant replayed from its mix\'s tapes has the exact engine\'s figure to the last bit', () => {
    // Scenarios with hotplug, reboot, migration, memory hotplug, a guest mix and a CMA area between them.
    const names = ['d05-hw-msi-hotplug', 'aarch64-guest-on-amd-host', 'migrate-to-d05', 'memory-hotplug-over-doorbell', 'mixed-fleet-d05'];
    let lossy = 0;
    for (const name of names) {
      const s = resolveScenario(name);
      for (const policy of [baseline, resolvePolicy('guest-avoids-range').instance]) {
        const tapes = new Map<string, ReturnType<typeof recordTapes>>();
        for (const point of assumptionPoints()) {
          const mix = point['guests.runtime'] === undefined ? {} : { 'guests.runtime': point['guests.runtime'] };
          const key = JSON.stringify(mix);
          if (!tapes.has(key)) tapes.set(key, recordTapes(applyPoint(s, mix), policy));
          const variant = applyPoint(s, point);
          const want = exactLossAndReach(variant, policy)?.loss;
          expect(replayLoss(tapes.get(key)!, variant), `${name} ${JSON.stringify(point)}`).toEqual(want);
          if (want && want.data > 0) lossy++;
        }
      }
    }
    expect(lossy).toBeGreaterThan(50); // the comparison met figures that are not zero
  });

  it('formats as `figure (lo-hi; most sensitive to: axis)`', () => {
    expect(rangeText(0.0289, { lo: 0.001, hi: 0.31, sensitiveTo: 'placement' })).toBe('2.89% (0.100-31.0%; most sensitive to: placement)');
    expect(rangeText(0, { lo: 0, hi: 0, sensitiveTo: 'none' })).toBe('0% (under every assumption)');
  });

  it('reach summary.csv and back, and report.txt states the workload before any figure, within 72 columns', async () => {
    const scenarios = ['d05-hw-msi-hotplug', 'aarch64-guest-on-amd-host'].map(resolveScenario);
    const rows = (await runStudy({ scenarios, policies: allPolicies(), trials: 40, seed: '3' })).map((p) => p.row);
    const csv = renderSummaryCsv(rows);
    expect(renderSummaryCsv(parseSummaryCsv(csv))).toBe(csv);
    expect(csv).toContain('nic0 1024 x 64 KiB steady-state natural');
    const info = {
      doorbell: 't', gitCommit: 't', node: 'v0', argv: [], seed: '3', trials: 40, scenarioFlags: [], policyFlags: [],
      scenarios: scenarios.map((s) => ({ name: s.name, title: s.title, source: s.source, description: s.description, ref: s.name, file: s.file, sha256: s.sha256, hotplugs: 0 })),
      policies: allPolicies().map((p) => ({ id: p.id, name: p.definition.name, position: p.definition.position, heldBy: p.definition.heldBy, source: p.definition.source, kernelEra: 'x' })),
      baseline: 'no-checks-2016', trialErrors: 0,
    } as unknown as RunInfo;
    const text = renderTextReport(info, rows, []);
    const lines = text.split('\n');
    expect(lines.filter((l) => l.length > 72)).toEqual([]);
    expect(text.indexOf('placed steady-state')).toBeLessThan(text.indexOf('%'));
    for (const s of scenarios) {
      const section = text.slice(text.indexOf(`== ${s.name} ==`));
      expect(section.indexOf('Workload (what every figure below assumes)')).toBeLessThan(section.indexOf('%'));
    }
    // A range's top short of certain keeps its digits (99.99...%), never rounded onto 100%.
    expect(text).toMatch(/data: +[0-9.]+% \(0-(100|99\.9\d*)%; most sensitive to: placement\)/);
    // report.md carries the same ranges, and the workload before any figure
    const md = renderMarkdownReport(info, rows, []);
    expect(md).toMatch(/\| [0-9.]+% \(0-(100|99\.9\d*)%; most sensitive to: placement\) \|/);
    expect(md).toContain('Exact loss, and its range over placement x alignment x guest mix x workload preset');
    expect(md.indexOf('placed steady-state')).toBeLessThan(md.indexOf('%'));
    const mdSection = md.slice(md.indexOf('## d05-hw-msi-hotplug'));
    expect(mdSection.indexOf('Workload (what every figure below assumes)')).toBeLessThan(mdSection.indexOf('| policy |'));
  });
});
