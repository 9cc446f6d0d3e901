// report-full.txt: the per-scenario detail behind report.txt (the mail),
// plain ASCII. Every line at most 72 columns, baseline first, units in
// headers, the reproducing command before each table
// (Documentation/process/submitting-patches.rst).
import type { SummaryRow } from '../results/model.js';
import { type RunInfo, reproduceCommand } from '../results/run-info.js';
import { abiText, asciiTable, bytesText, fractionText, hex, migratableText, rateText, wrap, wrapCommand } from './format.js';
import type { Comparison } from '../results/comparisons.js';
import { scenarioFinding, sweepFinding } from './findings.js';
import { sweepText } from './mail.js';
import { CAVEATS } from './caveats.js';
import { alexWillOverall, alexWillSection } from './alex-will.js';
import { LOSS_DEFINITION, exactText, lossTables, pctInterval } from './loss-tables.js';
import { WORKLOAD_DEFAULTS, hintChannelLines, lossRangeLines, workloadLines } from './loss-ranges.js';
import { type CounterfactualLegend, LEGEND_INTRO, TIE, counterfactualLegend, untie } from './counterfactual.js';

export const REPORT_WIDTH = 72;

export function renderTextReport(info: RunInfo, rows: readonly SummaryRow[], comparisons: readonly Comparison[]): string {
  const out: string[] = [];
  const para = (text: string, first = '', rest = first) => out.push(...wrap(text, REPORT_WIDTH, first, rest));
  out.push('Subject: [DISCUSS] guest RAM over host-reserved IOVA: who must stop it?', '');
  para(
    `doorbell ${info.doorbell} ran ${info.trials} seeded trials of each of ${info.policies.length} policies on ` +
      `${info.scenarios.length} scenarios. The positions are those of the thread "Summary of LPC guest MSI ` +
      `discussion in Santa Fe" (linux-arm-kernel, 9 Nov 2016).`,
  );
  out.push('');
  const points = [...new Set(rows.map((r) => r.point))];
  const sweeping = (info.sweep ?? []).length > 0;
  const legend = counterfactualLegend(rows);
  out.push(...hostLines(info));
  para(WORKLOAD_DEFAULTS);
  out.push('');
  for (const s of info.scenarios) {
    const sr = rows.filter((r) => r.scenario === s.name);
    const finding = sweeping ? sweepFinding(sr, points) : scenarioFinding(sr, info.baseline, (r) => legend.name(r).replace(' [', `${TIE}[`));
    out.push(...wrap(`${s.name}: ${finding}`, REPORT_WIDTH, '- ', '  ').map(untie));
  }
  const overall = alexWillOverall(comparisons);
  if (overall) {
    out.push('');
    para(overall);
  }
  if (legend.reasons.length) {
    out.push('');
    para(LEGEND_INTRO);
    out.push('');
    legend.reasons.forEach((reason, i) => {
      const key = `  [${i + 1}] `;
      out.push(...wrap(reason, REPORT_WIDTH, key, ' '.repeat(key.length)));
    });
  }
  out.push('', 'Everything below is reproduced by:', '', ...wrapCommand(reproduceCommand(info)), '');
  para(`Rates are k/n (p%) [95% Wilson interval]. ${LOSS_DEFINITION} Requests are VM start, device_add, memory hotplug and migration.`);
  out.push('', 'Policies (baseline first):', '');
  for (const p of info.policies) {
    out.push(`  ${p.id}`);
    para(`${p.position}. Proposed by ${p.heldBy}${p.arguedAgainstBy ? `; argued against by ${p.arguedAgainstBy}` : ''}${p.status ? `; status: ${p.status}${p.year !== undefined ? ` (${p.year})` : ''}` : ''}; kernel ${p.kernelEra}.`, '    ');
  }
  for (const s of info.scenarios) {
    const sr = rows.filter((r) => r.scenario === s.name);
    out.push('', `== ${s.name}${sweeping ? ` (${sweepText(info)})` : ''} ==`, '');
    // Under --host the scenario's own text describes its built-in host, not the one the run used.
    para(info.hostFlag !== undefined ? `${s.title} (as written for the scenario's own host; this run used ${info.hostFlag}, above).` : `${s.title}. ${s.description}`);
    out.push('');
    para(`Source: ${s.source}`);
    out.push('', ...wrapCommand(reproduceCommand(info, s.ref)), '');
    out.push(...workloadLines(sr, REPORT_WIDTH), '');
    if (sweeping) {
      out.push(...sweepTable(info, sr, points, legend));
      continue;
    }
    // Memory hotplug and migration columns appear only where the scenario has them.
    const mem = sr.some((r) => r.memHotplugAttempts > 0);
    const mig = sr.some((r) => r.migrations > 0);
    out.push('Requests granted (k/n):', '');
    out.push(...asciiTable(
      ['policy', 'VM start', 'hotplug', ...(mem ? ['mem hotplug'] : []), ...(mig ? ['migration'] : []), 'VM crash'],
      sr.map((r) => [
        legend.name(r),
        fractionText(r.vmStart.k, r.vmStart.n),
        fractionText(r.hotplug.k, r.hotplug.n),
        ...(mem ? [fractionText(r.memHotplugOk, r.memHotplugAttempts)] : []),
        ...(mig ? [fractionText(r.migrationsOk, r.migrations)] : []),
        String(r.vmCrashes),
      ]),
    ));
    if (sr.some((r) => r.hotplug.n > 0)) {
      out.push('', 'Hotplug success (device_add requests):', '');
      // The same in every trial is a fact: no interval.
      const fact = (x: typeof sr[number]['hotplug']) => (x.n === 0 ? '-' : x.k === 0 ? `never (0/${x.n})` : x.k === x.n ? `always (${x.n}/${x.n})` : rateText(x));
      // Exact where computed: no interval; a share beside the simulated one.
      const exact = (r: typeof sr[number]) => {
        const p = r.exact?.hotplug;
        if (p === undefined) return fact(r.hotplug);
        return p === 0 ? `never (0/${r.hotplug.n})` : p === 1 ? `always (${r.hotplug.n}/${r.hotplug.n})` : `${exactText(p)} exact (${fractionText(r.hotplug.k, r.hotplug.n)} simulated)`;
      };
      out.push(...asciiTable(['policy', 'hotplug ok'], sr.map((r) => [legend.name(r), exact(r)])));
    }
    out.push('', ...lossTables(sr, legend.name));
    out.push(...lossRangeLines(sr, legend.name, REPORT_WIDTH));
    out.push(...hintChannelLines(sr, legend.name, REPORT_WIDTH));
    const diffs = comparisons.filter((c) => c.scenario === s.name);
    if (diffs.length) {
      out.push('', 'Paired differences (first minus second, percentage points, 95%', 'Newcombe interval for paired trials; ~ = not distinguishable from 0):', '');
      const pairs = [...new Set(diffs.map((c) => `${c.first}\u0000${c.second}`))];
      // Hotplug success is compared only where the scenario has hotplugs.
      const metrics = ['data_loss', 'silent_loss', ...(diffs.some((c) => c.metric === 'hotplug_ok' && c.n > 0) ? ['hotplug_ok'] : [])];
      const named = (id: string) => { const r = sr.find((x) => x.policy === id); return r ? legend.name(r) : id; };
      out.push(...asciiTable(['first - second', ...metrics.map((m) => m.replace('_ok', ' ok').replace('_', ' '))], pairs.flatMap((key) => {
        const [first, second] = key.split('\u0000') as [string, string];
        const cell = (m: string) => diffText(diffs.find((c) => c.first === first && c.second === second && c.metric === m));
        return [[named(first), ...metrics.map(cell)], [`  - ${named(second)}`, ...metrics.map(() => '')]];
      })));
    }
    out.push(...alexWillSection(diffs, REPORT_WIDTH));
    out.push('', 'Loud failures (refused requests; refused calls and IOMMU faults', 'per trial, a faulted write is lost data too; devices without MSIs', 'per trial):', '');
    out.push(...asciiTable(['policy', 'refused by', 'calls', 'faults', 'no MSI'], sr.map((r) => [
      legend.name(r),
      refusedBy(r),
      num(r.refusedCallsMean),
      num(r.dmaFaultsMean),
      num(r.vmStart.n ? r.msiSetupFailures / r.vmStart.n : 0),
    ])));
    // phys-bits: what QEMU checks (pc_max_used_gpa), which on x86 is the PCI hole's end, not the highest RAM.
    out.push('', 'Cost (guest RAM the VMM kept from DMA; address space used: highest RAM', 'GPA, and phys-bits for what QEMU checks, the x86 PCI hole included):', '');
    out.push(...asciiTable(['policy', 'RAM not for DMA', 'highest GPA', 'phys-bits', 'ABI change', 'migratable'], sr.map((r) => [
      legend.name(r),
      bytesText(r.ramUnusableBytes),
      hex(r.maxGpa),
      String(r.physBitsNeeded),
      abiText(r.guestAbiChangeBytes),
      migratableText(r.migratable),
    ])));
    const errs = sr.filter((r) => r.errors > 0);
    for (const r of errs) para(`! ${r.policy}: ${r.errors} of ${r.trials} trials errored: ${r.firstError ?? ''}`, '', '  ');
  }
  out.push('', 'Assumptions and caveats:', '');
  for (const c of CAVEATS) para(c, '- ', '  ');
  out.push('', 'Run:', '');
  const dirty = info.gitDirty === undefined ? '' : info.gitDirty ? ' (with uncommitted changes)' : ' (clean)';
  para(`doorbell ${info.doorbell}${info.repository ? ` (${info.repository})` : ''}, node ${info.node}, seed ${info.seed}, ${info.trials} trials per pair, commit ${info.gitCommit ?? 'unknown'}${dirty}.`, '  ');
  for (const s of info.scenarios) out.push(`  ${s.name} sha256:${s.sha256.slice(0, 16)}`);
  for (const f of info.inputs ?? []) out.push(...wrap(`${f.file} sha256:${f.sha256}`, REPORT_WIDTH, '  ', '    '));
  return out.map((l) => l.trimEnd()).join('\n') + '\n';
}

/** Under --host: the host every scenario ran on, with its regions (the scenarios' own texts describe theirs). */
export function hostLines(info: RunInfo): string[] {
  if (!info.host) return [];
  return [
    ...wrap(`Every scenario ran on ${info.host.file} (${info.host.platform}, kernel ${info.host.kernel}) instead of its own host; the scenario titles below were written for their own hosts. Its reserved regions:`, REPORT_WIDTH),
    ...info.host.regions.flatMap((g) => wrap(g, REPORT_WIDTH, '  ', '    ')),
    '',
  ];
}

/** A sweep: a row per point and policy, loss in one table, requests in another. */
function sweepTable(info: RunInfo, sr: readonly SummaryRow[], points: readonly string[], legend: CounterfactualLegend): string[] {
  const keys = info.sweep.map((a) => a.key);
  const values = (point: string) => point.split(' ').map((kv) => kv.slice(kv.indexOf('=') + 1)).join(',');
  const head = `${keys.join(',')} / policy`;
  const byPoint = points.flatMap((pt) => sr.filter((r) => r.point === pt).map((r) => ({ id: `${values(pt)} ${legend.name(r)}`, r })));
  const hotplugs = sr.some((r) => r.hotplug.n > 0);
  return [
    'Data loss and silent loss at each point (trials, 95% interval):', '',
    ...asciiTable([head, 'data loss', 'silent loss'], byPoint.map(({ id, r }) => [id, pctInterval(r.dataLoss), pctInterval(r.silentLoss)])),
    '', 'Requests granted at each point (k/n):', '',
    ...asciiTable([head, 'VM start', ...(hotplugs ? ['hotplug'] : []), 'VM crash'], byPoint.map(({ id, r }) => [
      id, fractionText(r.vmStart.k, r.vmStart.n), ...(hotplugs ? [fractionText(r.hotplug.k, r.hotplug.n)] : []), String(r.vmCrashes),
    ])),
  ];
}

/** `+6.4 [+4.9, +8.0]` in percentage points; `~` when the interval holds 0; `-` when nothing paired. */
function diffText(c: Comparison | undefined): string {
  if (!c || c.n === 0) return '-';
  const pp = (x: number) => `${x >= 0 ? '+' : '-'}${Math.abs(x * 100).toFixed(1)}`;
  // Both sides exact: the difference is exact, no interval.
  if (c.exactDiff !== undefined) return `${pp(c.exactDiff)} exact`;
  return `${c.distinguishable ? '' : '~'}${pp(c.diff)} [${pp(c.lo)}, ${pp(c.hi)}]`;
}

const num = (x: number) => (x === 0 ? '0' : x >= 100 ? x.toFixed(0) : x.toPrecision(3));

/** Who refused the requests that failed: the kernel, the VMM itself, or QEMU's layout. */
function refusedBy(r: SummaryRow): string {
  const parts: string[] = [];
  if (r.refusedKernel) parts.push(`kernel ${r.refusedKernel}`);
  if (r.refusedVmm) parts.push(`vmm ${r.refusedVmm}`);
  if (r.startFailedLayout) parts.push(`qemu ${r.startFailedLayout}`);
  return parts.length ? parts.join(', ') : '-';
}
