// The matrix of report.txt: one short code per scenario × policy, policies
// as columns under short names (baseline first), split into stacked
// matrices when the policies do not fit 72 columns.
import { ALEX, WILL } from '../results/comparisons.js';
import type { SummaryRow } from '../results/model.js';
import { wrap } from './format.js';

/** The legend under the matrix: at most four lines at 72 columns (tested). */
export const MATRIX_LEGEND =
  'ok: all granted, nothing lost; -vm -hp -mem -mig: VM start, hotplug, memory hotplug, migration ' +
  'refused; -msi: a device without MSIs; crash: QEMU kills the VM; 2.9%: data loss (exact if known), ' +
  '*: none silent; ~: in some trials only; \': counterfactual (after a column name: all of it).';

/** A loss share in at most four characters: `100%`, `14%`, `2.9%`, `0.7%`, `<.1%`. */
export function shortPercent(p: number): string {
  const v = p * 100;
  if (v > 99.5 && v < 100) return '>99%';
  if (v >= 9.95) return `${Math.round(v)}%`;
  if (v >= 0.05) return `${v.toFixed(1)}%`;
  return '<.1%';
}

/** The loss probability the report quotes: exact where the engine computed it, else the simulated share. */
export function lossOf(r: SummaryRow): { data: number; silent: number } {
  return { data: r.dataLossExact ?? r.dataLoss.p, silent: r.silentLossExact ?? r.silentLoss.p };
}

/**
 * The most telling outcome of one scenario × policy: errors, a refused
 * start, a crash, data loss, a refused request, a device without MSIs, ok.
 * `~` when it happened in some trials only; `'` when the pair is counterfactual.
 */
export function cellCode(r: SummaryRow, markCounterfactual = true): string {
  const some = (k: number, n: number) => (k > 0 && k < n ? '~' : '');
  const cf = r.counterfactual && markCounterfactual ? '\'' : '';
  const n = r.dataLoss.n;
  if (r.errors > 0) return `err${n > 0 ? '~' : ''}${cf}`;
  // Exact where computed (engine/exact-metrics.ts): `~` then means some paths of the draws only, however rare.
  const e = r.exact;
  const start = e ? { failed: 1 - e.vmStart, of: 1 } : { failed: r.vmStart.n - r.vmStart.k, of: r.vmStart.n };
  if (start.failed > 0) return `-vm${some(start.failed, start.of)}${cf}`;
  const crash = e ? { k: e.vmCrash, n: 1 } : { k: r.vmCrashes, n };
  if (crash.k > 0) return `${crash.k < crash.n ? 'crsh~' : 'crash'}${cf}`;
  const loss = lossOf(r);
  if (loss.data > 0 || r.dataLoss.k > 0) return `${shortPercent(loss.data > 0 ? loss.data : r.dataLoss.p)}${loss.silent === 0 && r.silentLoss.k === 0 ? '*' : ''}${cf}`;
  const refused = (code: string, ok: number, attempts: number) => (ok < attempts ? `${code}${some(attempts - ok, attempts)}${cf}` : undefined);
  const requests = e
    ? [refused('-hp', e.hotplugOk, e.hotplugAttempts), refused('-mem', e.memHotplugOk, e.memHotplugAttempts), refused('-mig', e.migrationsOk, e.migrations)]
    : [refused('-hp', r.hotplug.k, r.hotplug.n), refused('-mem', r.memHotplugOk, r.memHotplugAttempts), refused('-mig', r.migrationsOk, r.migrations)];
  const first = requests.find((x) => x !== undefined);
  if (first) return first;
  if ((e ? e.msiSetupFailures : r.msiSetupFailures) > 0) return `-msi${cf}`;
  return `ok${cf}`;
}

/**
 * Column headers: base, Alex, Will, the initials of every other policy, and
 * a parameterised policy as its base with the initials of its values
 * (`kernel-rejects:backend=iommufd` is `Alex:i`); unique, at most 6 characters.
 */
export function shortNames(policies: readonly string[], baseline: string): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  const initials = (words: string) => words.split(/[-.]/).filter(Boolean).map((w) => w[0]).join('');
  for (const id of policies) {
    const [base, params] = [id.split(':')[0]!, id.split(':').slice(1).join(':')];
    const head = id === baseline ? 'base' : base === ALEX ? 'Alex' : base === WILL ? 'Will' : initials(base).slice(0, 5);
    const values = params ? params.split(',').map((kv) => initials(kv.slice(kv.indexOf('=') + 1))).join('') : '';
    let name = (values ? `${head}:${values}` : head).slice(0, 6);
    for (let i = 2; used.has(name); i++) name = `${name.slice(0, 5)}${i}`;
    used.add(name);
    out.set(id, name);
  }
  return out;
}

/** The key to the headers, wrapped: `base no-checks-2016; Alex kernel-rejects; ...` (ids may hold `=`). */
export function headerKey(names: ReadonlyMap<string, string>, width: number): string[] {
  return wrap(`Columns: ${[...names].map(([id, s]) => `${s} ${id}`).join('; ')}.`, width);
}

/**
 * Rows (label, then one cell per policy), left-aligned and one space apart;
 * when they pass `width`, the policies are split over matrices that each
 * repeat the label column.
 */
export function matrixLines(labelHead: string, heads: readonly string[], rows: ReadonlyArray<readonly [string, readonly string[]]>, width: number): string[] {
  const labelWidth = Math.max(labelHead.length, ...rows.map(([l]) => l.length));
  const colWidth = heads.map((h, i) => Math.max(h.length, ...rows.map(([, cells]) => cells[i]!.length)));
  const groups: number[][] = [[]];
  let used = labelWidth;
  heads.forEach((_, i) => {
    if (groups.at(-1)!.length > 0 && used + 1 + colWidth[i]! > width) {
      groups.push([]);
      used = labelWidth;
    }
    groups.at(-1)!.push(i);
    used += 1 + colWidth[i]!;
  });
  const line = (label: string, cells: readonly string[], cols: readonly number[]) =>
    [label.padEnd(labelWidth), ...cols.map((i) => cells[i]!.padEnd(colWidth[i]!))].join(' ').trimEnd();
  return groups.flatMap((cols, g) => [
    ...(g > 0 ? [''] : []),
    line(labelHead, heads, cols),
    line('-'.repeat(labelWidth), colWidth.map((w) => '-'.repeat(w)), cols),
    ...rows.map(([label, cells]) => line(label, cells, cols)),
  ]);
}
