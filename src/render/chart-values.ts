// The value a chart plots for one metric of a row: the exact value where the
// exact engine computed it (results/model.ts row.exact, dataLossExact), with
// no interval; otherwise the simulated share with its 95% Wilson interval.
import type { SummaryRow } from '../results/model.js';
import { type Rate, wilson } from '../results/stats.js';

/** A share in [0, 1]; lo/hi only for a simulated value. */
export interface Shown {
  readonly p: number;
  readonly lo: number | undefined;
  readonly hi: number | undefined;
  readonly exact: boolean;
}

/** A metric as the charts plot it: its simulated Rate and its exact value (undefined where not computed or not applicable). */
export interface ChartMetric {
  readonly label: string;
  readonly rate: (r: SummaryRow) => Rate;
  readonly exact: (r: SummaryRow) => number | undefined;
}

/** What to plot: exact where present, else simulated with its interval; undefined when neither has anything to show. */
export function shown(r: SummaryRow, m: Pick<ChartMetric, 'rate' | 'exact'>): Shown | undefined {
  const e = m.exact(r);
  if (e !== undefined && Number.isFinite(e)) return { p: e, lo: undefined, hi: undefined, exact: true };
  const q = m.rate(r);
  return q.n === 0 ? undefined : { p: q.p, lo: q.lo, hi: q.hi, exact: false };
}

/** The top of what is plotted: an interval's upper end, or the exact value. */
export const shownTop = (s: Shown | undefined): number => (s ? (s.hi ?? s.p) : 0);

// E[ok] / E[attempts]: the exact counterpart of a pooled simulated rate (engine/exact-metrics.ts).
const ratio = (ok: number, attempts: number) => (attempts > 0 ? ok / attempts : undefined);

/** Exact values of the metrics the charts plot, by name. */
export const EXACT = {
  vmStart: (r: SummaryRow) => r.exact?.vmStart,
  hotplug: (r: SummaryRow) => r.exact?.hotplug,
  memHotplug: (r: SummaryRow) => (r.exact ? ratio(r.exact.memHotplugOk, r.exact.memHotplugAttempts) : undefined),
  migration: (r: SummaryRow) => (r.exact ? ratio(r.exact.migrationsOk, r.exact.migrations) : undefined),
  vmCrash: (r: SummaryRow) => r.exact?.vmCrash,
  guestAbiChanged: (r: SummaryRow) => r.exact?.guestAbiChanged,
  migratable: (r: SummaryRow) => r.exact?.migratable,
  requests: (r: SummaryRow) => r.exact?.requests,
  // Every request counts once: the start, then each hotplug, memory hotplug and migration attempted.
  refused: (r: SummaryRow) => (r.exact ? ratio(r.exact.refusedKernel + r.exact.refusedVmm, 1 + r.exact.hotplugAttempts + r.exact.memHotplugAttempts + r.exact.migrations) : undefined),
  dataLoss: (r: SummaryRow) => r.dataLossExact,
  silentLoss: (r: SummaryRow) => r.silentLossExact,
} as const;

/** Simulated shares the rows keep as counts. */
export const RATE = {
  memHotplug: (r: SummaryRow) => wilson(r.memHotplugOk, r.memHotplugAttempts),
  migration: (r: SummaryRow) => wilson(r.migrationsOk, r.migrations),
  vmCrash: (r: SummaryRow) => wilson(r.vmCrashes, r.vmStart.n),
  refused: (r: SummaryRow) => wilson(r.refusedKernel + r.refusedVmm, r.requests.n),
} as const;

/** The caption of a chart: how its exact values look, and its simulated ones, for those it shows. */
export function exactCaption(kind: 'bars' | 'points', shownValues: readonly (Shown | undefined)[]): string[] {
  const out: string[] = [];
  if (shownValues.some((v) => v?.exact)) out.push(`Exact value (every path of the draws, no interval): ${kind === 'bars' ? 'bar capped by a bold line' : 'point ringed'}.`);
  if (shownValues.some((v) => v && !v.exact)) out.push(`Simulated: ${kind === 'bars' ? 'whisker' : 'whiskers'}, 95% Wilson interval.`);
  return out.length ? [out.join(' ')] : [];
}
