// Reads summary.csv and paired.csv back into the results model. Every report
// and chart is rendered from what these files hold, so `doorbell report DIR`
// reproduces a run's files byte for byte from the directory alone.
import { InputError } from '../errors.js';
import { MECHANISMS, type Mechanism, VISIBILITIES, type VisibilityKey } from '../engine/result.js';
import type { Comparison, Metric } from './comparisons.js';
import type { SummaryRow } from './model.js';
import { newcombePaired } from './paired.js';
import { wilson } from './stats.js';
import { readExact } from './exact-columns.js';

/** RFC 4180: quoted fields, doubled quotes, newlines inside quotes. */
export function parseCsv(text: string, file: string): Array<Record<string, string>> {
  const rows: string[][] = [];
  let field = '';
  let row: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\n') { row.push(field); rows.push(row); row = []; field = ''; }
    else if (ch !== '\r') field += ch;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  const [header, ...body] = rows;
  if (!header) throw new InputError(`${file}: empty`, 'a CSV with a header line');
  return body.map((cells, i) => {
    if (cells.length !== header.length) throw new InputError(`${file}:${i + 2}:1: ${cells.length} fields`, `${header.length}, as in the header`);
    return Object.fromEntries(header.map((h, k) => [h, cells[k]!]));
  });
}

export function parseSummaryCsv(text: string, file = 'summary.csv'): SummaryRow[] {
  return parseCsv(text, file).map((r, i) => {
    const num = (k: string) => {
      const v = Number(r[k]);
      if (r[k] === undefined || r[k] === '' || !Number.isFinite(v)) throw new InputError(`${file}:${i + 2}: column ${k} is '${r[k] ?? ''}'`, 'a number');
      return v;
    };
    const big = (k: string) => {
      const v = r[k] ?? '';
      if (!/^(0x[0-9a-fA-F]{1,16}|[0-9]{1,20})$/.test(v)) throw new InputError(`${file}:${i + 2}: column ${k} is '${v}'`, 'a whole number or 0x hex');
      return BigInt(v);
    };
    const trials = num('trials');
    const errors = num('errors');
    const ok = trials - errors;
    const lostBy = {} as Record<Mechanism, number>;
    for (const m of MECHANISMS) lostBy[m] = num(`lost_bytes_${m}_mean`);
    const lostByVisibility = {} as Record<VisibilityKey, number>;
    for (const v of VISIBILITIES) lostByVisibility[v] = num(`lost_bytes_${v}_mean`);
    return {
      scenario: r['scenario']!,
      policy: r['policy']!,
      point: r['point'] ?? '',
      trials,
      // Older results have no trials_played: every trial was played.
      trialsPlayed: r['trials_played'] ? num('trials_played') : trials,
      errors,
      policyErrors: num('policy_errors'),
      firstError: r['first_error'] ? r['first_error'] : undefined,
      vmStart: wilson(num('vm_start_ok'), ok),
      startFailedKernel: num('start_failed_kernel'),
      startFailedVmm: num('start_failed_vmm'),
      startFailedLayout: num('start_failed_layout'),
      hotplugAttempts: num('hotplug_attempts'),
      hotplug: wilson(num('hotplug_ok'), num('hotplug_attempts')),
      hotplugRejectedKernel: num('hotplug_rejected_kernel'),
      hotplugAbortedVmm: num('hotplug_aborted_vmm'),
      memHotplugAttempts: num('mem_hotplug_attempts'),
      memHotplugOk: num('mem_hotplug_ok'),
      migrations: num('migrations'),
      migrationsOk: num('migrations_ok'),
      refusedKernel: num('refused_kernel'),
      refusedVmm: num('refused_vmm'),
      vmCrashes: num('vm_crashes'),
      requests: wilson(num('requests_ok'), num('requests')),
      dataLoss: wilson(num('data_loss_trials'), ok),
      dataLossExact: r['data_loss_exact'] ? num('data_loss_exact') : undefined,
      silentLoss: wilson(num('silent_loss_trials'), ok),
      silentLossExact: r['silent_loss_exact'] ? num('silent_loss_exact') : undefined,
      dataLossRange: r['data_loss_exact_min'] ? { lo: num('data_loss_exact_min'), hi: num('data_loss_exact_max'), sensitiveTo: r['data_loss_sensitive_to'] ?? '' } : undefined,
      silentLossRange: r['silent_loss_exact_min'] ? { lo: num('silent_loss_exact_min'), hi: num('silent_loss_exact_max'), sensitiveTo: r['silent_loss_sensitive_to'] ?? '' } : undefined,
      deterministic: r['deterministic'] ? r['deterministic'] === 'true' : undefined,
      workload: r['workload'] ?? '',
      lostBytesMean: num('lost_bytes_mean'),
      lostBytesMeanBy: lostBy,
      lostBytesMeanByVisibility: lostByVisibility,
      dmaFaultsMean: num('dma_faults_mean'),
      firmwareExposed: wilson(num('firmware_exposed_trials'), ok),
      firmwareExposedBytesMean: num('firmware_exposed_bytes_mean'),
      refusedCallsMean: num('refused_calls_mean'),
      msiSetupFailures: num('msi_setup_failures'),
      ramUnusableBytes: big('ram_unusable_bytes'),
      hintChannels: r['hint_channels'] ?? '',
      hintRefusals: num('hint_refusals'),
      maxGpa: big('max_gpa'),
      physBitsNeeded: num('phys_bits_needed'),
      guestAbiChangeBytes: big('guest_abi_change_bytes'),
      guestAbiChanged: wilson(num('guest_abi_change_trials'), ok),
      migratable: wilson(num('migratable_trials'), num('migratable_of')),
      counterfactual: r['counterfactual'] ?? '',
      exactNote: r['exact_note'] ?? '',
      exact: readExact(r, ok, num, big),
    };
  });
}

export function parsePairedCsv(text: string, file = 'paired.csv'): Comparison[] {
  return parseCsv(text, file).map((r) => ({
    scenario: r['scenario']!,
    point: r['point'] ?? '',
    metric: r['metric'] as Metric,
    first: r['first']!,
    second: r['second']!,
    byConstruction: r['by_construction'] === 'yes',
    exactDiff: r['diff_exact'] ? Number(r['diff_exact']) : undefined,
    ...newcombePaired({ a: Number(r['both']), b: Number(r['first_only']), c: Number(r['second_only']), d: Number(r['neither']) }),
  }));
}
