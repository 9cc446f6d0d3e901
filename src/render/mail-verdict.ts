// The verdict of report.txt and its Alex-vs-Will table, computed from the
// summary rows and the paired comparisons only. An outcome that is the
// same in every paired trial is printed as a fact: its difference, no interval.
import { ALEX, type Comparison, WILL } from '../results/comparisons.js';
import type { SummaryRow } from '../results/model.js';
import { GOOD, NEUTRAL, metricLabel } from './alex-will.js';
import { cellCode } from './mail-matrix.js';

/** `1 scenario`, `2 scenarios`. */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `a`, `a and b`, `a, b and c`. */
export function listText(xs: readonly string[]): string {
  return xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`;
}

/** Names when there are at most two, else the count: `in d05-hw-msi-hotplug`, `in 4 scenarios`. */
function where(scenarios: readonly string[]): string {
  return scenarios.length <= 2 ? `in ${listText(scenarios)}` : `in ${count(scenarios.length, 'scenario')}`;
}

/** Each policy's outcome the same in every paired trial: the difference is a fact. */
export function isFact(c: Comparison): boolean {
  const first = c.a + c.b;
  const second = c.a + c.c;
  return (first === 0 || first === c.n) && (second === 0 || second === c.n);
}

/** The Alex-vs-Will comparisons of a run, per scenario (and sweep point), overall metrics only. */
function byScenario(all: readonly Comparison[]): Map<string, Comparison[]> {
  const out = new Map<string, Comparison[]>();
  for (const c of all) {
    if (c.first !== ALEX || c.second !== WILL || c.n === 0 || c.metric.includes('@')) continue;
    const key = c.point ? `${c.scenario} ${c.point.split(' ').map((kv) => kv.slice(kv.indexOf('=') + 1)).join(',')}` : c.scenario;
    out.set(key, [...(out.get(key) ?? []), c]);
  }
  return out;
}

/** A difference that says who is better: not neutral, and a fact or an interval that excludes 0. */
const separates = (c: Comparison) => !NEUTRAL.has(c.metric) && c.diff !== 0 && (isFact(c) || c.distinguishable);
const alexBetter = (c: Comparison) => GOOD.has(c.metric) === c.diff > 0;

/** Who does better on what, in how many scenarios: `VM start (2), data loss (1)`; loss by visibility stays in the detail. */
function betterOn(groups: ReadonlyMap<string, Comparison[]>, alex: boolean): string[] {
  const perMetric = new Map<string, number>();
  for (const cs of groups.values()) {
    for (const c of cs) if (separates(c) && !c.metric.startsWith('loss_') && alexBetter(c) === alex) perMetric.set(c.metric, (perMetric.get(c.metric) ?? 0) + 1);
  }
  return [...perMetric].sort((x, y) => y[1] - x[1]).map(([m, k]) => `${metricLabel(m).replace(/ ok$/, '').replace('mem ', 'memory ')} in ${k}`);
}

export function verdict(rows: readonly SummaryRow[], comparisons: readonly Comparison[], baseline: string): string[] {
  const out: string[] = [];
  const sweeping = rows.some((r) => r.point !== '');
  const noun = sweeping ? 'case' : 'scenario';
  const groups = byScenario(comparisons);
  const total = groups.size;
  if (total > 0) {
    const differ = [...groups.values()].filter((cs) => cs.some(separates)).length;
    const a = betterOn(groups, true);
    const w = betterOn(groups, false);
    out.push(`Alex's rule (${ALEX}: VFIO refuses the map) and Will's (${WILL}: QEMU refuses it first) reach different outcomes in ${differ} of ${count(total, noun)}` +
      (a.length || w.length ? `: ${ALEX} does better on ${a.length ? listText(a) : 'nothing'}, ${WILL} on ${w.length ? listText(w) : 'nothing'}.` : '.'));
    const crashes = [...groups].filter(([, cs]) => cs.some((c) => c.metric === 'vm_crash' && c.diff > 0 && separates(c))).map(([s]) => s);
    if (crashes.length) out.push(`The price of ${ALEX} is the VM: QEMU cannot undo a map the kernel refuses at run time and kills it (hw_error) ${where(crashes)}.`);
  }
  const policies = [...new Set(rows.map((r) => r.policy))];
  const cells = (p: string) => rows.filter((r) => r.policy === p);
  const okIn = (p: string) => cells(p).filter((r) => cellCode(r).startsWith('ok')).length;
  const n = rows.filter((r) => r.policy === policies[0]).length;
  const others = policies.filter((p) => p !== ALEX && p !== WILL && p !== baseline);
  if (others.length) {
    const cfAll = (p: string) => cells(p).every((r) => r.counterfactual);
    const sorted = [...others].sort((x, y) => okIn(y) - okIn(x));
    const pos = [ALEX, WILL].filter((p) => policies.includes(p)).map((p) => `${p} in ${okIn(p)}`);
    out.push(`Granting every request and losing nothing: ${sorted.map((p, i) => `${p} in ${i === 0 ? `${okIn(p)} of ${count(n, noun)}` : okIn(p)}`).join(', ')}` +
      `${sorted.every(cfAll) ? ' (all counterfactual)' : ''}${pos.length ? `; ${listText(pos)}` : ''}.`);
  }
  if (policies.includes(baseline)) {
    const base = cells(baseline);
    const lossy = base.filter((r) => r.dataLoss.k > 0 || (r.dataLossExact ?? 0) > 0).length;
    const silent = base.filter((r) => r.silentLoss.k > 0 || (r.silentLossExact ?? 0) > 0).length;
    out.push(`The 2016 baseline (${baseline}) loses data in ${lossy} of ${count(n, noun)}, silently in ${silent}.`);
  }
  const keys = [...new Set(rows.map((r) => `${r.scenario}\u0000${r.point}`))];
  const allLose = keys.filter((k) => rows.filter((r) => `${r.scenario}\u0000${r.point}` === k).every((r) => r.dataLoss.k > 0 || (r.dataLossExact ?? 0) > 0));
  if (allLose.length && policies.length > 1) out.push(`Every policy loses data ${where(allLose.map((k) => k.replace('\u0000', ' ').trim()))}: no position stops it there.`);
  return out;
}

const pp = (x: number) => `${x >= 0 ? '+' : '-'}${Math.abs(x * 100).toFixed(1)}`;

/** `+100.0 fact`, `-27.3 [-32.3, -22.1] *` (interval excludes 0, as mmtests marks it), `-2.0 [-5.6, +1.5]`. */
export function diffCell(c: Comparison): string {
  if (isFact(c)) return `${pp(c.diff)} every trial`;
  return `${pp(c.diff)} [${pp(c.lo)}, ${pp(c.hi)}]${c.distinguishable ? ' *' : ''}`;
}

/** Rows of the mail's Alex-vs-Will table: every scenario and metric where the two differ, scenario named once. */
export function alexWillRows(comparisons: readonly Comparison[]): { rows: Array<[string, string, string]>; same: number; refuserOnly: string[] } {
  const rows: Array<[string, string, string]> = [];
  let same = 0;
  const refuserOnly: string[] = [];
  for (const [s, cs] of byScenario(comparisons)) {
    if (cs[0]!.byConstruction) { same++; continue; }
    const shown = cs.filter((c) => !NEUTRAL.has(c.metric) && !c.metric.startsWith('loss_') && c.diff !== 0);
    if (shown.length === 0) refuserOnly.push(s);
    shown.forEach((c, i) => rows.push([i === 0 ? s : '', metricLabel(c.metric), diffCell(c)]));
  }
  return { rows, same, refuserOnly };
}
