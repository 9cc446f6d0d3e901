// Counterfactual rows in the reports: a marker after the policy name and a
// legend that lists each reason once, numbered in order of first use. A row
// without a marker is a combination of kernel, QEMU and position that shipped.
import { REASON_SEPARATOR, type SummaryRow } from '../results/model.js';

export interface CounterfactualLegend {
  /** Every reason, legend number i + 1. */
  readonly reasons: readonly string[];
  /** The policy as a table shows it: `qemu-aborts [1,3]`, or the bare id for history. */
  name(row: SummaryRow): string;
}

export function reasonsOf(row: Pick<SummaryRow, 'counterfactual'>): string[] {
  return row.counterfactual ? row.counterfactual.split(REASON_SEPARATOR).filter(Boolean) : [];
}

export function counterfactualLegend(rows: readonly SummaryRow[]): CounterfactualLegend {
  const reasons: string[] = [];
  for (const r of rows) for (const reason of reasonsOf(r)) if (!reasons.includes(reason)) reasons.push(reason);
  return {
    reasons,
    name: (row) => {
      const keys = reasonsOf(row).map((reason) => reasons.indexOf(reason) + 1).sort((a, b) => a - b);
      return keys.length ? `${row.policy} [${keys.join(',')}]` : row.policy;
    },
  };
}

/** In running text: the marker stays on the name's line when a paragraph wraps (restore with untie). */
export const TIE = '\u0001';
export const untie = (line: string) => line.replaceAll(TIE, ' ');

/** The legend's opening sentence, shared by report.txt and report.md. */
export const LEGEND_INTRO =
  'Counterfactual rows are marked [n]: that combination of kernel, QEMU and position never shipped, for the reasons below. ' +
  'Unmarked rows are history.';
