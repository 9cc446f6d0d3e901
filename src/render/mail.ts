// report.txt: the mail a maintainer posts to linux-arm-kernel as it is, in
// the shape of mmtests' compare reports and the 0-day robot's mails: a
// verdict, the assumptions before any number, one matrix (baseline first),
// the Alex-vs-Will table with significance marked, how to reproduce, and a
// pointer to the detail (report-full.txt, report.md). At most 72 columns.
import type { SummaryRow } from '../results/model.js';
import { type RunInfo, reproduceCommand } from '../results/run-info.js';
import type { Comparison } from '../results/comparisons.js';
import { ALEX, WILL } from '../results/comparisons.js';
import { percentText, wrap, wrapCommand } from './format.js';
import { exactText } from './loss-tables.js';
import { ASSUMPTION_SPACE } from './loss-ranges.js';
import { MATRIX_LEGEND, cellCode, headerKey, matrixLines, shortNames } from './mail-matrix.js';
import { alexWillRows, count, listText, verdict } from './mail-verdict.js';
import { reasonsOf } from './counterfactual.js';

export const MAIL_WIDTH = 72;

/** `vm.ram=1GiB,2GiB; vm.phys_bits=40,44`: what a sweep varied, for titles. */
export function sweepText(info: RunInfo): string {
  return (info.sweep ?? []).map((a) => `${a.key}=${a.values.join(',')}`).join('; ');
}

/** A sweep point's values alone: `3055MiB,0.5`. */
function pointValues(point: string): string {
  return point.split(' ').map((kv) => kv.slice(kv.indexOf('=') + 1)).join(',');
}

export function mailSubject(info: RunInfo): string {
  const on = info.host ? ` on ${info.host.platform}` : '';
  const sweep = sweepText(info) ? `, ${sweepText(info)}` : '';
  return `Subject: [RFC] guest RAM over host-reserved IOVA: who must stop it? (${count(info.scenarios.length, 'scenario')}${on}${sweep})`;
}

/** The verdict paragraph alone, wrapped (npm start prints it too). */
export function mailVerdict(info: RunInfo, rows: readonly SummaryRow[], comparisons: readonly Comparison[]): string[] {
  return wrap(verdict(rows, comparisons, info.baseline).join(' '), MAIL_WIDTH);
}

/** The placement and alignment the workload lines name: `steady-state placement, natural alignment`. */
function workloadWords(rows: readonly SummaryRow[]): string {
  const words = new Set<string>();
  for (const r of rows) {
    for (const dev of r.workload.split('; ')) {
      const m = /^\S+ \d+ x \d+ \S+ (\S+) (\S+)/.exec(dev);
      if (m) words.add(`${m[1]} placement, ${m[2]} alignment`);
    }
  }
  return [...words].join(' | ');
}

/**
 * Loss shares that are neither 0 nor 1: exact, simulated beside it, and
 * the range over the assumptions; policies with the same exact share on one row.
 */
function lossLines(info: RunInfo, rows: readonly SummaryRow[], policies: readonly string[], names: ReadonlyMap<string, string>): string[] {
  const table: string[][] = [];
  // Never rounded to 0% or 100%: a share that is neither keeps the digits that show it.
  const pct = exactText;
  for (const s of info.scenarios) {
    const own = rows.filter((r) => r.scenario === s.name && r.dataLossExact !== undefined && r.dataLossExact > 0 && r.dataLossExact < 1 && r.dataLoss.n > 0);
    const byExact = new Map<string, SummaryRow[]>();
    for (const r of own) byExact.set(`${r.point}\u0000${r.dataLossExact}`, [...(byExact.get(`${r.point}\u0000${r.dataLossExact}`) ?? []), r]);
    let first = true;
    for (const group of byExact.values()) {
      const r = group[0]!;
      const who = group.length === policies.length && policies.length > 1 ? 'all' : group.map((x) => names.get(x.policy) ?? x.policy).join(',');
      const sims = [...new Set(group.map((x) => percentText(x.dataLoss.p)))];
      // The range in three digits, never rounded onto 0 or 100.
      const end = (x: number) => pct(x).slice(0, -1);
      const range = r.dataLossRange ? `${end(r.dataLossRange.lo)}-${end(r.dataLossRange.hi)}` : '-';
      table.push([first ? (r.point ? `${s.name} ${pointValues(r.point)}` : s.name) : '', who, pct(r.dataLossExact!).slice(0, -1), (sims.length === 1 ? sims[0]! : `${sims[0]}..`).replace('%', ''), range]);
      first = false;
    }
  }
  if (table.length === 0) return [];
  const head = ['scenario', 'policy', 'exact %', 'sim %', 'range %'];
  const w = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  // Labels too long for one line (a sweep's values) go on a line of their own.
  const apart = 2 + w.reduce((t, x) => t + x + 2, 0) - 2 > MAIL_WIDTH;
  if (apart) w[0] = 'scenario'.length;
  const line = (r: readonly string[]) => `  ${r.map((c, i) => (i < 2 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')}`.trimEnd();
  const body = table.flatMap((r) => (apart && r[0] ? [`  ${r[0]}`, line(['', ...r.slice(1)])] : [line(r)]));
  return ['Data loss that is neither never nor always: exact, simulated, and the', `range over ${ASSUMPTION_SPACE}:`, '',
    line(head), line(w.map((x) => '-'.repeat(x))), ...body, ''];
}

/** The guest mix most scenarios share, then each other mix with its scenarios. */
function guestMixLines(info: RunInfo): string[] {
  const mixes = [...new Set(info.scenarios.map((s) => s.guests).filter((g): g is string => g !== undefined))];
  if (mixes.length === 0) return [];
  const of = (m: string) => info.scenarios.filter((s) => s.guests === m).map((s) => s.name);
  const [common, ...rest] = [...mixes].sort((a, b) => of(b).length - of(a).length);
  const text = rest.length === 0 ? `${common} in every scenario`
    : `${common} in ${count(of(common!).length, 'scenario')}; ${rest.map((m) => `${m} in ${listText(of(m))}`).join('; ')}`;
  return wrap(`Guest mix (profile, share, the hints it honours), drawn per trial: ${text}.`, MAIL_WIDTH, '- ', '  ');
}

/** Scenario, metric, difference: left, left, right; the scenario named on its first row only. */
function alexWillTable(rows: ReadonlyArray<readonly [string, string, string]>): string[] {
  const head = ['scenario', 'metric', 'Alex - Will'] as const;
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  // Labels too long for one line (a sweep's values) go on a line of their own.
  const apart = 2 + w[0]! + 2 + w[1]! + 2 + w[2]! > MAIL_WIDTH;
  if (apart) w[0] = head[0].length;
  const line = (r: readonly string[]) => `  ${r[0]!.padEnd(w[0]!)}  ${r[1]!.padEnd(w[1]!)}  ${r[2]!.padStart(w[2]!)}`.trimEnd();
  const body = rows.flatMap((r) => (apart && r[0] ? [`  ${r[0]}`, line(['', r[1], r[2]])] : [line(r)]));
  return [line(head), line(w.map((x) => '-'.repeat(x))), ...body];
}

/**
 * Which cells are counterfactual and why, compactly: scenarios that are
 * constructed for every policy, then each policy's own reasons (the part
 * before the colon; report-full.txt has them whole).
 */
function counterfactualLines(info: RunInfo, rows: readonly SummaryRow[], policies: readonly string[], detail: boolean): string[] {
  const cf = rows.filter((r) => r.counterfactual);
  if (cf.length === 0) return [];
  const out = wrap(`Counterfactual (' in the matrix: a combination of kernel, QEMU and position that never shipped): ${cf.length} of ${count(rows.length, 'cell')}${detail ? '.' : '; why: report-full.txt.'}`, MAIL_WIDTH, '- ', '  ');
  if (!detail) return out;
  const head = (reason: string) => reason.split(':')[0]!;
  // A reason every policy of a scenario has belongs to the scenario.
  const scenarioReasons = new Map<string, string[]>();
  for (const s of info.scenarios) {
    const own = rows.filter((r) => r.scenario === s.name);
    const shared = reasonsOf(own[0] ?? { counterfactual: '' }).filter((reason) => own.every((r) => reasonsOf(r).includes(reason)));
    if (shared.length) scenarioReasons.set(s.name, shared);
  }
  if (scenarioReasons.size) {
    out.push(...wrap(`Constructed scenarios (every policy): ${listText([...scenarioReasons.keys()])}.`, MAIL_WIDTH, '    ', '      '));
  }
  for (const p of policies) {
    const own = cf.filter((r) => r.policy === p);
    const heads = [...new Set(own.flatMap((r) => reasonsOf(r).filter((reason) => !scenarioReasons.get(r.scenario)?.includes(reason)).map(head)))];
    if (heads.length) out.push(...wrap(`${p}: ${heads.join('; ')}.`, MAIL_WIDTH, '    ', '      '));
  }
  return out;
}

/** The mail's length limit: what does not fit is left to report-full.txt, least needed first. */
export const MAIL_LINES = 150;

export function renderMailReport(info: RunInfo, rows: readonly SummaryRow[], comparisons: readonly Comparison[]): string {
  // More policies (or a sweep) make the matrix split; then the loss table, the per-policy reasons, and last the Alex-vs-Will rows (report-full.txt keeps them) give way.
  const tries: Array<{ lossTable: boolean; cfDetail: boolean; awTable?: boolean }> = [{ lossTable: true, cfDetail: true }, { lossTable: false, cfDetail: true }, { lossTable: false, cfDetail: false }, { lossTable: false, cfDetail: false, awTable: false }];
  let text = '';
  for (const opts of tries) {
    text = composeMail(info, rows, comparisons, opts);
    if (text.split('\n').length - 1 <= MAIL_LINES) break;
  }
  return text;
}

function composeMail(info: RunInfo, rows: readonly SummaryRow[], comparisons: readonly Comparison[], opts: { lossTable: boolean; cfDetail: boolean; awTable?: boolean }): string {
  const W = MAIL_WIDTH;
  const out: string[] = [];
  const para = (text: string, first = '', rest = first) => out.push(...wrap(text, W, first, rest));
  const policies = [info.baseline, ...info.policies.map((p) => p.id).filter((id) => id !== info.baseline)];
  out.push(...wrap(mailSubject(info), W, '', '  '), '');
  out.push(...mailVerdict(info, rows, comparisons), '');

  out.push('Assumptions (every number below depends on them):');
  para(`${info.trials} seeded trials per scenario and policy, seed ${info.seed}. An outcome the same in every trial is a fact and printed without an interval; elsewhere 95% intervals (Wilson, Newcombe for paired trials).`, '- ', '  ');
  para(`Workload: each device's DMA buffers with ${workloadWords(rows) || 'the placement and alignment each scenario sets'} (steady-state, an assumption: uniform over the RAM the guest believes usable; natural: a 2^n-page buffer on a 2^n-page boundary, as the buddy allocator gives it). Loss shares are exact where computable.`, '- ', '  ');
  out.push(...guestMixLines(info));
  if (info.host) {
    para(`Host: every scenario runs on ${info.host.file} (${info.host.platform}, kernel ${info.host.kernel}) instead of its own; the scenarios' own texts describe their built-in hosts and are left out.`, '- ', '  ');
    for (const g of info.host.regions) para(g, '    ', '      ');
  } else {
    para('Host: each scenario\'s own (scenarios/hosts/, from real captures where the file says so).', '- ', '  ');
  }
  if (sweepText(info)) para(`Swept: ${sweepText(info)}; a matrix row per scenario and value.`, '- ', '  ');
  out.push(...counterfactualLines(info, rows, policies, opts.cfDetail));
  out.push('');

  const wholeColumn = new Set(policies.filter((p) => rows.filter((r) => r.policy === p).every((r) => r.counterfactual)));
  const names = shortNames(policies, info.baseline);
  const byKey = new Map(rows.map((r) => [`${r.scenario}\u0000${r.point}\u0000${r.policy}`, r]));
  const points = [...new Set(rows.map((r) => r.point))];
  const matrixRows: Array<[string, string[]]> = info.scenarios.flatMap((s) => points.map((pt): [string, string[]] => [
    pt ? `${s.name} ${pointValues(pt)}` : s.name,
    policies.map((p) => { const r = byKey.get(`${s.name}\u0000${pt}\u0000${p}`); return r ? cellCode(r, !wholeColumn.has(p)) : '-'; }),
  ]));
  out.push(`Outcome per scenario and policy (baseline first${sweepText(info) ? `; rows by ${info.sweep.map((a) => a.key).join(',')}` : ''}):`, '');
  out.push(...matrixLines('scenario', policies.map((p) => `${names.get(p)!}${wholeColumn.has(p) ? '\'' : ''}`), matrixRows, W), '');
  out.push(...wrap(MATRIX_LEGEND, W));
  out.push(...headerKey(names, W), '');

  // Without the loss table, the closing pointer says where the shares and their ranges are.
  if (opts.lossTable) out.push(...lossLines(info, rows, policies, names));

  const aw = alexWillRows(comparisons);
  if (aw.rows.length || aw.same || aw.refuserOnly.length) {
    out.push(`Alex vs Will (${ALEX} minus ${WILL}, percentage points;`, '"every trial": a fact, no interval; * the 95% interval excludes 0):', '');
    if (aw.rows.length && opts.awTable !== false) out.push(...alexWillTable(aw.rows), '');
    else if (aw.rows.length) para(`They differ in ${count(aw.rows.length, 'row')}: the table is in report-full.txt.`, '  ');
    para(`Identical by construction (same kernel calls and decisions in every trial) in ${count(aw.same, 'scenario')}; the same outcomes, refused by a different side, in ${aw.refuserOnly.length}.`, '  ');
    out.push('');
  }

  out.push('Reproduce:', '', ...wrapCommand(reproduceCommand(info), W));
  const dirty = info.gitDirty === undefined ? '' : info.gitDirty ? ', with uncommitted changes' : ', clean';
  para(`doorbell ${info.doorbell}${info.repository ? ` (${info.repository})` : ''}, ${info.gitCommit ? `commit ${info.gitCommit}${dirty}` : 'not run from a git checkout'}; node ${info.node}.`, '  ');
  const inputs = info.inputs ?? [];
  if (inputs.length) {
    out.push('  Files that are not built in (sha256):');
    for (const f of inputs) out.push(...wrap(f.file, W, '    ', '    '), `      ${f.sha256}`);
  } else if (info.inputs !== undefined) {
    out.push('  Every scenario, host and policy file is built in.');
  }
  out.push('');
  para('Per-scenario detail (every rate with its interval, exact loss beside the simulation with its range, paired differences, costs, every counterfactual reason): report-full.txt; the same with charts: report.md.');
  return out.map((l) => l.trimEnd()).join('\n') + '\n';
}
