// How far each exact loss figure moves over the declared assumptions
// (engine/sensitivity.ts), and the workload every figure assumes, as
// report.txt states them.
import type { ExactRange, SummaryRow } from '../results/model.js';
import { wrap } from './format.js';
import { exactText } from './loss-tables.js';

/** The assumption space, as the report names it. */
export const ASSUMPTION_SPACE = 'placement x alignment x guest mix x workload preset';

/** The defaults every scenario assumes unless its section says otherwise, stated before the first figure. */
export const WORKLOAD_DEFAULTS =
  'Every loss figure depends on where the guest puts its DMA buffers. Unless a scenario\'s workload line says ' +
  'otherwise, each driver\'s buffers are placed steady-state (an assumption: uniform over the RAM the guest ' +
  'believes usable, never x86 ZONE_DMA) and naturally aligned (a 2^n-page buffer on a 2^n-page boundary, as ' +
  'the buddy allocator gives it). Each exact figure below carries its range over ' +
  `${ASSUMPTION_SPACE} and the assumption that moves it most.`;

/** `2.89% (0-100%; most sensitive to: placement)`, or `0% (under every assumption)`. */
export function rangeText(exact: number, range: ExactRange | undefined): string {
  if (!range) return exactText(exact);
  if (range.sensitiveTo === 'none' && range.lo === range.hi) return `${exactText(exact)} (under every assumption)`;
  const span = `${exactText(range.lo).slice(0, -1)}-${exactText(range.hi)}`;
  return `${exactText(exact)} (${span}; most sensitive to: ${range.sensitiveTo})`;
}

/** The workload line of a scenario's section: what its figures assume. */
export function workloadLines(sr: readonly SummaryRow[], width: number): string[] {
  const all = [...new Set(sr.map((r) => r.workload).filter(Boolean))];
  if (all.length === 0) return [];
  if (all.length === 1) return wrap(`Workload (what every figure below assumes): ${all[0]}.`, width);
  return wrap(`Workload (what the figures below assume; it varies with the sweep point, see summary.csv): ${all.join(' | ')}.`, width);
}

/** Per policy, each exact loss figure with its range. */
export function lossRangeLines(sr: readonly SummaryRow[], name: (r: SummaryRow) => string, width: number): string[] {
  const rows = sr.filter((r) => r.dataLossExact !== undefined && r.silentLossExact !== undefined && r.dataLoss.n > 0);
  if (rows.length === 0) return [];
  const out = ['', ...wrap(`Exact loss, and its range over ${ASSUMPTION_SPACE}:`, width), ''];
  for (const r of rows) {
    out.push(`  ${name(r)}`);
    out.push(...wrap(`data:   ${rangeText(r.dataLossExact!, r.dataLossRange)}`, width, '    ', '            '));
    out.push(...wrap(`silent: ${rangeText(r.silentLossExact!, r.silentLossRange)}`, width, '    ', '            '));
  }
  return out;
}

/** Which channel told the guest, per policy that told it anything (a hypothetical channel is labelled so). */
export function hintChannelLines(sr: readonly SummaryRow[], name: (r: SummaryRow) => string, width: number): string[] {
  const rows = sr.filter((r) => r.hintChannels !== '' || r.hintRefusals > 0);
  if (rows.length === 0) return [];
  const out = ['', ...wrap('How the VMM told the guest (channel, trials; src/guest/channels/):', width), ''];
  for (const r of rows) {
    const refusals = r.hintRefusals > 0 ? `; ${r.hintRefusals} refused by the guest` : '';
    out.push(...wrap(`${name(r)}: ${r.hintChannels || 'none'}${refusals}`, width, '  ', '      '));
  }
  return out;
}
