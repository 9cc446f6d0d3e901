// report.md: the report for a web page, charts inlined.
import type { SummaryRow } from '../results/model.js';
import { type RunInfo, reproduceCommand } from '../results/run-info.js';
import { abiText, bytesText, fractionText, hex, migratableText, rateText } from './format.js';
import { scenarioFinding, sweepFinding } from './findings.js';
import { CAVEATS } from './caveats.js';
import { sweepText } from './mail.js';
import { LOSS_DEFINITION, exactNotes, exactText } from './loss-tables.js';
import type { Rate } from '../results/stats.js';
import { EXACT } from './chart-values.js';
import { ALEX, type Comparison, WILL } from '../results/comparisons.js';
import { alexWillSentence, metricLabel } from './alex-will.js';
import { LEGEND_INTRO, counterfactualLegend } from './counterfactual.js';
import { ASSUMPTION_SPACE, WORKLOAD_DEFAULTS, hintChannelLines, rangeText, workloadLines } from './loss-ranges.js';

/** The exact value where the engine computed it (`never`, `always`: every path ends so, a fact; else `2.88% (exact)`), else the simulated figure. */
export function exactCell(exact: number | undefined, simulated: string): string {
  if (exact === undefined) return simulated;
  return exact === 0 ? 'never' : exact === 1 ? 'always' : `${exactText(exact)} (exact)`;
}
const rateCell = (q: Rate, exact: number | undefined) => exactCell(exact, rateText(q));
const countCell = (q: Rate, exact: number | undefined) => exactCell(exact, fractionText(q.k, q.n));

/** The sentence under the run line: how a table cell reads. */
export const CELL_LEGEND = 'Where the exact engine computed a figure (every path of the scenario\'s draws), the tables give it: `never` / `always` (a fact: no interval), or a share marked (exact); otherwise the simulated rate, k/n (p%) [95% Wilson interval].';

const row = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
const table = (header: readonly string[], rows: readonly (readonly string[])[]) =>
  [row(header), row(header.map((_, i) => (i === 0 ? ':--' : '--:'))), ...rows.map(row)].join('\n');

export function renderMarkdownReport(info: RunInfo, rows: readonly SummaryRow[], comparisons: readonly Comparison[]): string {
  const out: string[] = [];
  out.push('# Guest RAM over host-reserved IOVA: who must stop it?', '');
  out.push(`doorbell ${info.doorbell} ran ${info.trials} seeded trials of each of ${info.policies.length} policies on ${info.scenarios.length} scenarios.`, '', WORKLOAD_DEFAULTS, '');
  const points = [...new Set(rows.map((r) => r.point))];
  const sweeping = (info.sweep ?? []).length > 0;
  const legend = counterfactualLegend(rows);
  if (info.host) out.push(`Every scenario ran on \`${info.host.file}\` (${info.host.platform}, kernel ${info.host.kernel}) instead of its own host. Its reserved regions:`, '', ...info.host.regions.map((g) => `- ${g}`), '');
  for (const s of info.scenarios) {
    const sr = rows.filter((r) => r.scenario === s.name);
    out.push(`- **${s.name}**: ${sweeping ? sweepFinding(sr, points) : scenarioFinding(sr, info.baseline, legend.name)}`);
  }
  if (legend.reasons.length) out.push('', LEGEND_INTRO, '', ...legend.reasons.map((reason, i) => `- [${i + 1}] ${reason}`));
  out.push('', 'Reproduce:', '', '```sh', reproduceCommand(info), '```', '');
  out.push(`${CELL_LEGEND} ${LOSS_DEFINITION}`, '');
  out.push('## Policies', '', table(['policy', 'position', 'held by', 'argued against by', 'status', 'year', 'source', 'kernel'], info.policies.map((p) => [p.id, p.position, p.heldBy, p.arguedAgainstBy ?? '', p.status ?? '', p.year !== undefined ? String(p.year) : '', p.source, p.kernelEra])), '');
  out.push('![risk against success](charts/risk-vs-success.png)', '');
  for (const s of info.scenarios) {
    const sr = rows.filter((r) => r.scenario === s.name);
    out.push(`## ${s.name}${sweeping ? ` (${sweepText(info)})` : ''}`, '', info.hostFlag !== undefined ? `**${s.title}** (as written for the scenario's own host; this run used \`${info.hostFlag}\`, above).` : `**${s.title}.** ${s.description}`, '', `Source: ${s.source}`, '');
    out.push('```sh', reproduceCommand(info, s.ref), '```', '');
    const workload = workloadLines(sr, Infinity).join(' ');
    if (workload) out.push(workload, '');
    for (const note of exactNotes(sr)) out.push(note, '');
    if (sweeping) {
      out.push(table(['point', 'policy', 'data loss', 'silent loss', 'hotplug ok', 'VM start'], points.flatMap((pt) => sr.filter((r) => r.point === pt).map((r) => [pt, legend.name(r), rateCell(r.dataLoss, EXACT.dataLoss(r)), rateCell(r.silentLoss, EXACT.silentLoss(r)), countCell(r.hotplug, EXACT.hotplug(r)), countCell(r.vmStart, EXACT.vmStart(r))]))), '');
      out.push(`![${s.name} sweep](charts/sweep-${s.name}.png)`, '');
      continue;
    }
    out.push(table(
      ['policy', 'VM start', 'hotplug ok', 'VM crashes', 'data loss', 'silent loss', 'lost/trial', 'unlogged/trial', 'host-logged/trial', 'guest-visible/trial', 'faults/trial', 'RAM not for DMA', 'highest GPA', 'guest ABI change', 'migratable'],
      sr.map((r) => [legend.name(r), countCell(r.vmStart, EXACT.vmStart(r)), countCell(r.hotplug, EXACT.hotplug(r)), exactCell(EXACT.vmCrash(r), String(r.vmCrashes)), rateCell(r.dataLoss, EXACT.dataLoss(r)), rateCell(r.silentLoss, EXACT.silentLoss(r)), bytesText(r.lostBytesMean),
        bytesText(r.lostBytesMeanByVisibility.unlogged), bytesText(r.lostBytesMeanByVisibility.host_logged), bytesText(r.lostBytesMeanByVisibility.guest_visible),
        r.dmaFaultsMean.toPrecision(3), bytesText(r.ramUnusableBytes), hex(r.maxGpa), abiText(r.guestAbiChangeBytes), exactCell(EXACT.migratable(r), migratableText(r.migratable))]),
    ), '');
    const exact = sr.filter((r) => r.dataLossExact !== undefined && r.silentLossExact !== undefined && r.dataLoss.n > 0);
    if (exact.length) {
      out.push(`Exact loss, and its range over ${ASSUMPTION_SPACE}:`, '');
      out.push(table(['policy', 'data loss (exact)', 'silent loss (exact)'], exact.map((r) => [legend.name(r), rangeText(r.dataLossExact!, r.dataLossRange), rangeText(r.silentLossExact!, r.silentLossRange)])), '');
    }
    const hints = hintChannelLines(sr, legend.name, Infinity).filter(Boolean);
    if (hints.length) out.push(hints[0]!, '', ...hints.slice(1).map((l) => `- ${l.trim()}`), '');
    if (sr.some((r) => r.firmwareExposed.k > 0)) {
      out.push('Guest RAM mapped over a live firmware DIRECT range (the firmware agent may overwrite it at any time):', '');
      out.push(table(['policy', 'trials exposed', 'mean per trial'], sr.map((r) => [r.policy, fractionText(r.firmwareExposed.k, r.firmwareExposed.n), bytesText(r.firmwareExposedBytesMean)])), '');
    }
    const diffs = comparisons.filter((c) => c.scenario === s.name);
    if (diffs.length) {
      const pp = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}`;
      const cell = (c: Comparison | undefined) => (!c || c.n === 0 ? '–' : `${pp(c.diff)} pp [${pp(c.lo)}, ${pp(c.hi)}]${c.distinguishable ? '' : ' (n.s.)'}`);
      const keys = [...new Set(diffs.map((c) => `${c.first} − ${c.second}`))];
      out.push('Paired differences (Newcombe 95% interval; n.s. = not distinguishable from 0):', '');
      out.push(table(['first − second', 'data loss', 'silent loss', 'hotplug ok'], keys.map((k) => {
        const of = diffs.filter((c) => `${c.first} − ${c.second}` === k);
        const named = (id: string) => { const r = sr.find((x) => x.policy === id); return r ? legend.name(r) : id; };
        return [`${named(of[0]!.first)} − ${named(of[0]!.second)}`, cell(of.find((c) => c.metric === 'data_loss')), cell(of.find((c) => c.metric === 'silent_loss')), cell(of.find((c) => c.metric === 'hotplug_ok'))];
      })), '');
      const aw = diffs.filter((c) => c.first === ALEX && c.second === WILL && c.n > 0);
      if (aw.length) {
        out.push(`Alex vs Will (${ALEX} − ${WILL}): ${alexWillSentence(aw)}`, '');
        if (!aw[0]!.byConstruction) out.push(table(['metric', 'difference'], aw.map((c) => [metricLabel(c.metric), cell(c)])), '');
      }
    }
    out.push(`![${s.name}](charts/${s.name}.png)`, '');
  }
  out.push('## Assumptions and caveats', '', ...CAVEATS.map((c) => `- ${c}`), '');
  const dirty = info.gitDirty === undefined ? '' : info.gitDirty ? ' (with uncommitted changes)' : ' (clean)';
  out.push('## Run', '', `doorbell ${info.doorbell}${info.repository ? ` (${info.repository})` : ''}, commit \`${info.gitCommit ?? 'unknown'}\`${dirty}, node ${info.node}, seed ${info.seed}, ${info.trials} trials per pair.`, '');
  for (const s of info.scenarios) out.push(`- \`${s.name}\` sha256 \`${s.sha256}\``);
  for (const f of info.inputs ?? []) out.push(`- \`${f.file}\` sha256 \`${f.sha256}\` (not built in)`);
  return out.join('\n') + '\n';
}
