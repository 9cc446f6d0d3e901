// The loss tables of report.txt, per scenario: data loss and silent loss
// side by side, lost bytes by who sees them and by mechanism, exact beside
// simulated, and the guest RAM a firmware agent can overwrite.
import { MECHANISMS, VISIBILITIES } from '../engine/result.js';
import type { SummaryRow } from '../results/model.js';
import type { Rate } from '../results/stats.js';
import { asciiTable, bytesText, percentText, wrap } from './format.js';

/** The sentence that introduces the two metrics (report.txt and report.md). */
export const LOSS_DEFINITION =
  'A trial loses data when at least one DMA write does not land where the guest believes: it becomes an ' +
  'interrupt, goes peer-to-peer, collides with firmware, hits a reserved range or faults in the IOMMU. The ' +
  'guest sees none of these; what differs is who can. Data loss of any kind is Alex Williamson\'s criterion ' +
  '(MAP_DMA is a contract). Silent loss is data loss that nothing records: no host log, no AER, no reset.';

/** Who sees a lost write, as column headers. */
const VISIBILITY_HEADERS: Record<(typeof VISIBILITIES)[number], string> = { unlogged: 'unlogged', host_logged: 'host log', guest_visible: 'guest sees' };

/** `5.3% [4.1-6.9]`: the rate and its 95% interval; `-` when nothing ran. */
export function pctInterval(r: Rate): string {
  if (r.n === 0) return '-';
  const p = (x: number) => percentText(x).slice(0, -1);
  return `${p(r.p)}% [${p(r.lo)}-${p(r.hi)}]`;
}

/** `never` / `always` where the exact value says so and every trial agreed (a fact, no interval); else the interval. */
export function factOrInterval(r: Rate, exact: number | undefined): string {
  if (r.n > 0 && exact === 0 && r.k === 0) return 'never';
  if (r.n > 0 && exact === 1 && r.k === r.n) return 'always';
  return pctInterval(r);
}

/** An exact probability in percent, to three significant digits. */
export function exactText(p: number): string {
  if (p === 0 || p === 1) return `${p * 100}%`;
  const v = p * 100;
  // Never rounded onto 100%: a loss short of certain keeps the digits that show it (99.9988%).
  if (p > 0.999) return `${v.toFixed(Math.ceil(-Math.log10(100 - v)) + 1)}%`;
  return `${v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(3)}%`;
}

/** Why exact figures are missing (scenario/work-budget.ts), once per distinct reason: `Exact values: not computed: ...`. */
export function exactNotes(sr: readonly SummaryRow[]): string[] {
  const notes = [...new Set(sr.filter((r) => r.exactNote).map((r) => (r.point ? `Exact values at ${r.point}: ${r.exactNote}.` : `Exact values: ${r.exactNote}.`)))];
  return notes;
}

export function lossTables(sr: readonly SummaryRow[], name: (r: SummaryRow) => string = (r) => r.policy): string[] {
  const out: string[] = [];
  out.push('Data loss (any lost write) and silent loss (a lost write nothing', 'records): trials, 95% Wilson interval:', '');
  out.push(...asciiTable(['policy', 'trials', 'data loss', 'silent loss'], sr.map((r) => [
    name(r), String(r.dataLoss.n), factOrInterval(r.dataLoss, r.dataLossExact), factOrInterval(r.silentLoss, r.silentLossExact),
  ])));
  const zero = sr.find((r) => r.dataLoss.n > 0 && r.dataLoss.k === 0 && r.dataLossExact === undefined);
  if (zero) out.push(`  A 0% row means at most 3/n at 95% by the rule of three (${percentText(3 / zero.dataLoss.n)} for`, `  n = ${zero.dataLoss.n}).`);
  if (sr.some((r) => r.lostBytesMean > 0)) {
    out.push('', 'Bytes lost per trial (mean), by who sees them:', '');
    out.push(...asciiTable(['policy', 'lost', ...VISIBILITIES.map((v) => VISIBILITY_HEADERS[v])], sr.map((r) => [
      name(r), bytesText(r.lostBytesMean), ...VISIBILITIES.map((v) => bytesText(r.lostBytesMeanByVisibility[v])),
    ])));
    const used = MECHANISMS.filter((m) => sr.some((r) => r.lostBytesMeanBy[m] > 0));
    out.push('', 'Bytes lost per trial (mean), by mechanism:', '');
    out.push(...asciiTable(['policy', ...used], sr.map((r) => [name(r), ...used.map((m) => bytesText(r.lostBytesMeanBy[m]))])));
  }
  if (sr.some((r) => (r.dataLossExact !== undefined || r.silentLossExact !== undefined) && r.dataLoss.n > 0)) {
    out.push('', 'Simulated and computed exactly (engine/exact.ts):', '');
    const sim = (r: Rate) => (r.n ? percentText(r.p) : '-');
    const exact = (x: number | undefined) => (x === undefined ? '-' : exactText(x));
    out.push(...asciiTable(['policy', 'data loss', 'exact', 'silent loss', 'exact'], sr.map((r) => [
      name(r), sim(r.dataLoss), exact(r.dataLossExact), sim(r.silentLoss), exact(r.silentLossExact),
    ])));
  }
  const notes = exactNotes(sr);
  if (notes.length) out.push('', ...notes.flatMap((n) => wrap(n)));
  if (sr.some((r) => r.firmwareExposed.k > 0)) {
    out.push('', 'Guest RAM mapped over a live firmware DIRECT range, which the', 'firmware agent may overwrite at any time (trials; mean per trial):', '');
    out.push(...asciiTable(['policy', 'exposed', '4K pages', 'bytes'], sr.map((r) => [
      name(r), `${r.firmwareExposed.k}/${r.firmwareExposed.n}`, (r.firmwareExposedBytesMean / 4096).toFixed(1), bytesText(r.firmwareExposedBytesMean),
    ])));
  }
  return out;
}
