// Claims for the summary, computed from the rows: nothing here is written by hand.
import type { SummaryRow } from '../results/model.js';
import { percentText } from './format.js';
import { exactText } from './loss-tables.js';

/** How a finding names a row's policy (render/counterfactual.ts adds the what-if marker). */
type Namer = (r: SummaryRow) => string;

/** One sentence per scenario: who loses data (and how much of it silently), who refuses what, who does neither. */
export function scenarioFinding(rows: readonly SummaryRow[], baseline: string, name: Namer = (r) => r.policy): string {
  const ran = rows.filter((r) => r.dataLoss.n > 0);
  const parts: string[] = [];
  // Exact where known: a share too small for the trials to show is still loss.
  const loses = (r: SummaryRow) => r.dataLoss.k > 0 || (r.dataLossExact ?? 0) > 0;
  const lossy = ran.filter(loses);
  const same = (xs: readonly SummaryRow[]) => new Set(xs.map((r) => `${r.dataLoss.k}/${r.silentLoss.k}`)).size === 1;
  if (lossy.length === ran.length && ran.length > 1 && same(lossy)) {
    parts.push(`every policy ${lossText(lossy[0]!)}${silentPart(lossy[0]!)}`);
  } else {
    for (const r of lossy) parts.push(`${name(r)}${r.policy === baseline ? ' (baseline)' : ''} ${lossText(r)}${silentPart(r)}`);
    const clean = ran.filter((r) => !loses(r));
    for (const r of clean.filter((x) => failures(x).length > 0)) parts.push(`${name(r)} loses none but ${failures(r).join(' and ')}`);
    const granting = clean.filter((r) => failures(r).length === 0).map(name);
    if (granting.length) parts.push(`${list(granting)} ${granting.length === 1 ? 'loses' : 'lose'} none and ${granting.length === 1 ? 'grants' : 'grant'} every request`);
  }
  const broken = rows.filter((r) => r.dataLoss.n === 0).map(name);
  if (broken.length) parts.push(`${list(broken)} errored in every trial`);
  const s = parts.join('; ');
  return `${s}.`;
}

/**
 * A policy's data loss as what it is: `always` when it is certain (exact 1,
 * or every trial where nothing is exact), the exact share with the
 * simulation beside it, or the simulated share.
 */
function lossText(r: SummaryRow): string {
  const exact = r.dataLossExact;
  if (exact === 1 || (exact === undefined && r.dataLoss.k === r.dataLoss.n)) return 'always loses DMA data';
  if (exact !== undefined) return `loses DMA data in ${exactText(exact)} of trials (exact; ${percentText(r.dataLoss.p)} simulated)`;
  return `loses DMA data in ${percentText(r.dataLoss.p)} of trials`;
}

/** How much of a policy's data loss nothing records. */
function silentPart(r: SummaryRow): string {
  if (r.dataLossExact !== undefined && r.silentLossExact !== undefined) {
    if (r.silentLossExact === r.dataLossExact) return ', all of it silently';
    if (r.silentLossExact === 0) return ', none of it silently (the host logs it or the guest sees it)';
    return `, silently in ${exactText(r.silentLossExact)}`;
  }
  if (r.silentLoss.k === r.dataLoss.k) return ', all of it silently';
  if (r.silentLoss.k === 0) return ', none of it silently (the host logs it or the guest sees it)';
  return `, silently in ${percentText(r.silentLoss.p)}`;
}

/** What a policy refused or broke, by request type. */
// An outcome the same in every trial is a fact (`always`, `every`), printed without a share;
// an exact share (engine/exact-metrics.ts) is printed as such, without an interval.
function failures(r: SummaryRow): string[] {
  if (r.exact) return exactFailures(r, r.exact);
  const out: string[] = [];
  const n = r.vmStart.n;
  if (r.vmStart.k === 0 && n > 0) out.push('always fails VM start');
  else if (r.vmStart.k < n) out.push(`fails VM start in ${percentText(1 - r.vmStart.p)} of trials`);
  if (r.hotplug.k === 0 && r.hotplug.n > 0) out.push('refuses every hotplug');
  else if (r.hotplug.k < r.hotplug.n) out.push(`refuses ${percentText(1 - r.hotplug.p)} of hotplugs`);
  if (r.memHotplugOk === 0 && r.memHotplugAttempts > 0) out.push('refuses every memory hotplug');
  else if (r.memHotplugOk < r.memHotplugAttempts) out.push(`refuses ${r.memHotplugAttempts - r.memHotplugOk} of ${r.memHotplugAttempts} memory hotplugs`);
  if (r.migrationsOk === 0 && r.migrations > 0) out.push('refuses every migration');
  else if (r.migrationsOk < r.migrations) out.push(`refuses ${r.migrations - r.migrationsOk} of ${r.migrations} migrations`);
  if (r.vmCrashes > 0) out.push(r.vmCrashes === n ? 'always crashes the VM' : `crashes the VM in ${r.vmCrashes} of ${n} trials`);
  if (r.msiSetupFailures > 0) out.push(`leaves ${devicesWithoutMsi(r)} without MSIs`);
  return out;
}

/** failures() from the exact values: a share of requests refused, exact, or a fact. */
function exactFailures(r: SummaryRow, e: NonNullable<SummaryRow['exact']>): string[] {
  const out: string[] = [];
  const refused = (ok: number, attempts: number, what: string) => {
    if (attempts === 0 || ok === attempts) return;
    out.push(ok === 0 ? `refuses every ${what}` : `refuses ${exactText(1 - ok / attempts)} of ${what}s (exact)`);
  };
  if (e.vmStart === 0) out.push('always fails VM start');
  else if (e.vmStart < 1) out.push(`fails VM start in ${exactText(1 - e.vmStart)} of trials (exact)`);
  refused(e.hotplugOk, e.hotplugAttempts, 'hotplug');
  refused(e.memHotplugOk, e.memHotplugAttempts, 'memory hotplug');
  refused(e.migrationsOk, e.migrations, 'migration');
  if (e.vmCrash > 0) out.push(e.vmCrash === 1 ? 'always crashes the VM' : `crashes the VM in ${exactText(e.vmCrash)} of trials (exact)`);
  if (e.msiSetupFailures > 0) out.push(`leaves ${devicesWithoutMsi(r)} without MSIs`);
  return out;
}

/**
 * Devices, not devices × trials: msi_setup_failures sums over trials, so
 * a whole multiple of the trials is that many devices in each (the count
 * per trial does not depend on a draw unless the scenario declares one).
 */
export function devicesWithoutMsi(r: SummaryRow): string {
  // Exact: the expected number per trial, a whole number when no draw changes it.
  if (r.exact && Number.isInteger(r.exact.msiSetupFailures)) {
    const d = r.exact.msiSetupFailures;
    return `${d} ${d === 1 ? 'device' : 'devices'}`;
  }
  const n = r.vmStart.n;
  if (n > 0 && r.msiSetupFailures % n === 0) {
    const d = r.msiSetupFailures / n;
    return `${d} ${d === 1 ? 'device' : 'devices'}`;
  }
  return `devices (${(r.msiSetupFailures / Math.max(n, 1)).toFixed(2)} per trial on average)`;
}

function list(xs: readonly string[]): string {
  if (xs.length <= 1) return xs.join('');
  return `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

/** For a sweep: per policy, the first point at which it loses data, and how much at most. */
export function sweepFinding(rows: readonly SummaryRow[], points: readonly string[]): string {
  const policies = [...new Set(rows.map((r) => r.policy))];
  const parts = policies.map((p) => {
    const own = points.map((pt) => rows.find((r) => r.policy === p && r.point === pt)).filter((r): r is SummaryRow => r !== undefined && r.dataLoss.n > 0);
    const first = own.find((r) => r.dataLoss.k > 0);
    if (!first) return `${p} loses none at any point`;
    const worst = own.reduce((m, r) => (r.dataLoss.p > m.dataLoss.p ? r : m), first);
    const silent = own.reduce((m, r) => Math.max(m, r.silentLoss.p), 0);
    return `${p} first loses data at ${first.point} (${percentText(first.dataLoss.p)}; at most ${percentText(worst.dataLoss.p)} at ${worst.point}; silently at most ${percentText(silent)})`;
  });
  return `${parts.join('; ')}.`;
}
