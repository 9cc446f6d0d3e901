// Claims for the summary, computed from the rows: nothing here is written by hand.
import type { SummaryRow } from '../results/model.js';
import { percentText } from './format.js';

/** How a finding names a row's policy (render/counterfactual.ts adds the what-if marker). */
type Namer = (r: SummaryRow) => string;

/** One sentence per scenario: who loses data (and how much of it silently), who refuses what, who does neither. */
export function scenarioFinding(rows: readonly SummaryRow[], baseline: string, name: Namer = (r) => r.policy): string {
  const ran = rows.filter((r) => r.dataLoss.n > 0);
  const parts: string[] = [];
  const lossy = ran.filter((r) => r.dataLoss.k > 0);
  const same = (xs: readonly SummaryRow[]) => new Set(xs.map((r) => `${r.dataLoss.k}/${r.silentLoss.k}`)).size === 1;
  if (lossy.length === ran.length && ran.length > 1 && same(lossy)) {
    parts.push(`every policy loses DMA data in ${percentText(lossy[0]!.dataLoss.p)} of trials${silentPart(lossy[0]!)}`);
  } else {
    for (const r of lossy) parts.push(`${name(r)}${r.policy === baseline ? ' (baseline)' : ''} loses DMA data in ${percentText(r.dataLoss.p)} of trials${silentPart(r)}`);
    const clean = ran.filter((r) => r.dataLoss.k === 0);
    for (const r of clean.filter((x) => failures(x).length > 0)) parts.push(`${name(r)} loses none but ${failures(r).join(' and ')}`);
    const granting = clean.filter((r) => failures(r).length === 0).map(name);
    if (granting.length) parts.push(`${list(granting)} ${granting.length === 1 ? 'loses' : 'lose'} none and ${granting.length === 1 ? 'grants' : 'grant'} every request`);
  }
  const broken = rows.filter((r) => r.dataLoss.n === 0).map(name);
  if (broken.length) parts.push(`${list(broken)} errored in every trial`);
  const s = parts.join('; ');
  return `${s}.`;
}

/** How much of a policy's data loss nothing records. */
function silentPart(r: SummaryRow): string {
  if (r.silentLoss.k === r.dataLoss.k) return ', all of it silently';
  if (r.silentLoss.k === 0) return ', none of it silently (the host logs it or the guest sees it)';
  return `, silently in ${percentText(r.silentLoss.p)}`;
}

/** What a policy refused or broke, by request type. */
function failures(r: SummaryRow): string[] {
  const out: string[] = [];
  if (r.vmStart.k < r.vmStart.n) out.push(`fails VM start in ${percentText(1 - r.vmStart.p)} of trials`);
  if (r.hotplug.k < r.hotplug.n) out.push(`fails ${percentText(1 - r.hotplug.p)} of hotplugs`);
  if (r.memHotplugOk < r.memHotplugAttempts) out.push(`fails ${r.memHotplugAttempts - r.memHotplugOk} of ${r.memHotplugAttempts} memory hotplugs`);
  if (r.migrationsOk < r.migrations) out.push(`fails ${r.migrations - r.migrationsOk} of ${r.migrations} migrations`);
  if (r.vmCrashes > 0) out.push(`crashes the VM in ${r.vmCrashes} trials`);
  if (r.msiSetupFailures > 0) out.push(`leaves ${r.msiSetupFailures} devices without MSIs`);
  return out;
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
