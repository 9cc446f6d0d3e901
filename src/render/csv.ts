// summary.csv: one row per scenario × policy. Columns documented in results/README.md.
import { stringify } from 'csv-stringify/sync';
import { hex } from '../model/addr.js';
import { MECHANISMS, VISIBILITIES } from '../engine/result.js';
import { type SummaryRow, dec } from '../results/model.js';
import type { Comparison } from '../results/comparisons.js';
import { exactRecord, withExactColumns } from '../results/exact-columns.js';

const SIMULATED_COLUMNS = [
  'scenario', 'policy', 'point', 'trials', 'trials_played', 'errors', 'policy_errors', 'workload',
  'vm_start_ok', 'vm_start_rate', 'vm_start_lo', 'vm_start_hi',
  'start_failed_kernel', 'start_failed_vmm', 'start_failed_layout',
  'hotplug_attempts', 'hotplug_ok', 'hotplug_rate', 'hotplug_lo', 'hotplug_hi',
  'hotplug_rejected_kernel', 'hotplug_aborted_vmm',
  'mem_hotplug_attempts', 'mem_hotplug_ok', 'migrations', 'migrations_ok', 'refused_kernel', 'refused_vmm', 'vm_crashes',
  'requests_ok', 'requests', 'requests_rate', 'requests_lo', 'requests_hi',
  'data_loss_trials', 'data_loss_rate', 'data_loss_lo', 'data_loss_hi', 'data_loss_exact',
  'silent_loss_trials', 'silent_loss_rate', 'silent_loss_lo', 'silent_loss_hi', 'silent_loss_exact',
  'data_loss_exact_min', 'data_loss_exact_max', 'data_loss_sensitive_to',
  'silent_loss_exact_min', 'silent_loss_exact_max', 'silent_loss_sensitive_to', 'deterministic',
  'lost_bytes_mean', ...MECHANISMS.map((m) => `lost_bytes_${m}_mean`),
  ...VISIBILITIES.map((v) => `lost_bytes_${v}_mean`),
  'dma_faults_mean', 'refused_calls_mean', 'msi_setup_failures',
  'firmware_exposed_trials', 'firmware_exposed_bytes_mean',
  'guest_abi_change_trials', 'guest_abi_change_bytes', 'guest_abi_change_seen', 'migratable_trials', 'migratable_of', 'migratable_rate',
  'ram_unusable_bytes', 'hint_channels', 'hint_refusals', 'max_gpa', 'phys_bits_needed', 'first_error',
  'counterfactual', 'exact_note',
] as const;

/** Every column: each metric's `_exact` column follows it (results/exact-columns.ts). */
export const SUMMARY_COLUMNS: readonly string[] = withExactColumns(SIMULATED_COLUMNS);

export function summaryRecord(r: SummaryRow): Record<string, string | number> {
  const rec: Record<string, string | number> = {
    scenario: r.scenario,
    policy: r.policy,
    point: r.point,
    workload: r.workload,
    trials: r.trials,
    trials_played: r.trialsPlayed,
    errors: r.errors,
    policy_errors: r.policyErrors,
    vm_start_ok: r.vmStart.k,
    vm_start_rate: dec(r.vmStart.p),
    vm_start_lo: dec(r.vmStart.lo),
    vm_start_hi: dec(r.vmStart.hi),
    start_failed_kernel: r.startFailedKernel,
    start_failed_vmm: r.startFailedVmm,
    start_failed_layout: r.startFailedLayout,
    hotplug_attempts: r.hotplugAttempts,
    hotplug_ok: r.hotplug.k,
    hotplug_rate: dec(r.hotplug.p),
    hotplug_lo: dec(r.hotplug.lo),
    hotplug_hi: dec(r.hotplug.hi),
    hotplug_rejected_kernel: r.hotplugRejectedKernel,
    hotplug_aborted_vmm: r.hotplugAbortedVmm,
    mem_hotplug_attempts: r.memHotplugAttempts,
    mem_hotplug_ok: r.memHotplugOk,
    migrations: r.migrations,
    migrations_ok: r.migrationsOk,
    refused_kernel: r.refusedKernel,
    refused_vmm: r.refusedVmm,
    vm_crashes: r.vmCrashes,
    requests_ok: r.requests.k,
    requests: r.requests.n,
    requests_rate: dec(r.requests.p),
    requests_lo: dec(r.requests.lo),
    requests_hi: dec(r.requests.hi),
    data_loss_trials: r.dataLoss.k,
    data_loss_rate: dec(r.dataLoss.p),
    data_loss_lo: dec(r.dataLoss.lo),
    data_loss_hi: dec(r.dataLoss.hi),
    data_loss_exact: r.dataLossExact === undefined ? '' : dec(r.dataLossExact),
    silent_loss_trials: r.silentLoss.k,
    silent_loss_rate: dec(r.silentLoss.p),
    silent_loss_lo: dec(r.silentLoss.lo),
    silent_loss_hi: dec(r.silentLoss.hi),
    silent_loss_exact: r.silentLossExact === undefined ? '' : dec(r.silentLossExact),
    data_loss_exact_min: r.dataLossRange ? dec(r.dataLossRange.lo) : '',
    data_loss_exact_max: r.dataLossRange ? dec(r.dataLossRange.hi) : '',
    data_loss_sensitive_to: r.dataLossRange?.sensitiveTo ?? '',
    silent_loss_exact_min: r.silentLossRange ? dec(r.silentLossRange.lo) : '',
    silent_loss_exact_max: r.silentLossRange ? dec(r.silentLossRange.hi) : '',
    silent_loss_sensitive_to: r.silentLossRange?.sensitiveTo ?? '',
    deterministic: r.deterministic === undefined ? '' : String(r.deterministic),
    lost_bytes_mean: dec(r.lostBytesMean, 1),
    dma_faults_mean: dec(r.dmaFaultsMean, 3),
    refused_calls_mean: dec(r.refusedCallsMean, 3),
    msi_setup_failures: r.msiSetupFailures,
    firmware_exposed_trials: r.firmwareExposed.k,
    firmware_exposed_bytes_mean: dec(r.firmwareExposedBytesMean, 1),
    ram_unusable_bytes: r.ramUnusableBytes.toString(),
    hint_channels: r.hintChannels,
    hint_refusals: r.hintRefusals,
    max_gpa: hex(r.maxGpa),
    phys_bits_needed: r.physBitsNeeded,
    guest_abi_change_trials: r.guestAbiChanged.k,
    guest_abi_change_bytes: r.guestAbiChangeBytes.toString(),
    guest_abi_change_seen: r.guestAbiChangeBytes > 0n ? 'yes' : 'no',
    migratable_trials: r.migratable.k,
    migratable_of: r.migratable.n,
    migratable_rate: r.migratable.n ? dec(r.migratable.p) : '',
    first_error: r.firstError ?? '',
    counterfactual: r.counterfactual,
    exact_note: r.exactNote,
  };
  for (const m of MECHANISMS) rec[`lost_bytes_${m}_mean`] = dec(r.lostBytesMeanBy[m], 1);
  for (const v of VISIBILITIES) rec[`lost_bytes_${v}_mean`] = dec(r.lostBytesMeanByVisibility[v], 1);
  return Object.assign(rec, exactRecord(r.exact, r.trials - r.errors));
}

export function renderSummaryCsv(rows: readonly SummaryRow[]): string {
  return stringify(rows.map(summaryRecord), { header: true, columns: [...SUMMARY_COLUMNS], record_delimiter: 'unix' });
}

export const PAIRED_COLUMNS = ['scenario', 'point', 'metric', 'first', 'second', 'n', 'both', 'first_only', 'second_only', 'neither', 'diff', 'diff_lo', 'diff_hi', 'distinguishable', 'by_construction', 'diff_exact'] as const;

export function renderPairedCsv(rows: readonly Comparison[]): string {
  return stringify(
    rows.map((c) => ({
      scenario: c.scenario, point: c.point, metric: c.metric, first: c.first, second: c.second, n: c.n,
      both: c.a, first_only: c.b, second_only: c.c, neither: c.d,
      diff: dec(c.diff), diff_lo: dec(c.lo), diff_hi: dec(c.hi), distinguishable: c.distinguishable ? 'yes' : 'no', by_construction: c.byConstruction ? 'yes' : 'no',
      diff_exact: c.exactDiff === undefined ? '' : dec(c.exactDiff),
    })),
    { header: true, columns: [...PAIRED_COLUMNS], record_delimiter: 'unix' },
  );
}
