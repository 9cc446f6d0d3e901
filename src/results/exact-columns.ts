// summary.csv's `<metric>_exact` columns: each metric's exact value
// (engine/exact-metrics.ts) beside its simulated column, in that column's
// unit: a count of trials or requests is the expected count over the trials
// that ran, a mean is the expected mean, a rate is the probability (or ratio
// of expectations). One table writes and reads them, so a results directory
// reads back to the same bytes.
import { hex } from '../model/addr.js';
import type { ExactMetrics } from '../engine/exact-metrics.js';
import { dec } from './model.js';
import { MECHANISMS, VISIBILITIES } from '../engine/result.js';

type Key = keyof ExactMetrics;
type Kind = 'value' | 'count' | 'bytes' | 'address' | 'bits' | 'channels';

interface ExactColumn {
  /** The column's name, and the simulated column it follows. */
  readonly name: string;
  readonly after: string;
  readonly key: Key;
  readonly kind: Kind;
  /** For a per-mechanism or per-visibility record: the entry. */
  readonly sub?: string;
}

const col = (name: string, after: string, key: Key, kind: Kind, sub?: string): ExactColumn => ({ name, after, key, kind, ...(sub ? { sub } : {}) });
const valueOf = (e: ExactMetrics | undefined, c: ExactColumn) => (c.sub ? (e?.[c.key] as Record<string, number> | undefined)?.[c.sub] : e?.[c.key]);

export const EXACT_COLUMNS: readonly ExactColumn[] = [
  col('vm_start_exact', 'vm_start_hi', 'vmStart', 'value'),
  col('start_failed_kernel_exact', 'start_failed_kernel', 'startFailedKernel', 'count'),
  col('start_failed_vmm_exact', 'start_failed_vmm', 'startFailedVmm', 'count'),
  col('start_failed_layout_exact', 'start_failed_layout', 'startFailedLayout', 'count'),
  col('hotplug_attempts_exact', 'hotplug_attempts', 'hotplugAttempts', 'count'),
  col('hotplug_ok_exact', 'hotplug_ok', 'hotplugOk', 'count'),
  col('hotplug_exact', 'hotplug_hi', 'hotplug', 'value'),
  col('hotplug_rejected_kernel_exact', 'hotplug_rejected_kernel', 'hotplugRejectedKernel', 'count'),
  col('hotplug_aborted_vmm_exact', 'hotplug_aborted_vmm', 'hotplugAbortedVmm', 'count'),
  col('mem_hotplug_attempts_exact', 'mem_hotplug_attempts', 'memHotplugAttempts', 'count'),
  col('mem_hotplug_ok_exact', 'mem_hotplug_ok', 'memHotplugOk', 'count'),
  col('migrations_exact', 'migrations', 'migrations', 'count'),
  col('migrations_ok_exact', 'migrations_ok', 'migrationsOk', 'count'),
  col('refused_kernel_exact', 'refused_kernel', 'refusedKernel', 'count'),
  col('refused_vmm_exact', 'refused_vmm', 'refusedVmm', 'count'),
  col('vm_crashes_exact', 'vm_crashes', 'vmCrash', 'count'),
  col('requests_exact', 'requests_hi', 'requests', 'value'),
  col('lost_bytes_mean_exact', 'lost_bytes_mean', 'lostBytesMean', 'value'),
  ...MECHANISMS.map((m) => col(`lost_bytes_${m}_mean_exact`, `lost_bytes_${m}_mean`, 'lostBytesMeanBy', 'value', m)),
  ...VISIBILITIES.map((v) => col(`lost_bytes_${v}_mean_exact`, `lost_bytes_${v}_mean`, 'lostBytesMeanByVisibility', 'value', v)),
  col('dma_faults_mean_exact', 'dma_faults_mean', 'dmaFaultsMean', 'value'),
  col('refused_calls_mean_exact', 'refused_calls_mean', 'refusedCallsMean', 'value'),
  col('msi_setup_failures_exact', 'msi_setup_failures', 'msiSetupFailures', 'count'),
  col('firmware_exposed_exact', 'firmware_exposed_trials', 'firmwareExposed', 'value'),
  col('firmware_exposed_bytes_mean_exact', 'firmware_exposed_bytes_mean', 'firmwareExposedBytesMean', 'value'),
  col('guest_abi_change_exact', 'guest_abi_change_trials', 'guestAbiChanged', 'value'),
  col('guest_abi_change_bytes_exact', 'guest_abi_change_bytes', 'guestAbiChangeBytes', 'bytes'),
  col('migratable_exact', 'migratable_rate', 'migratable', 'value'),
  col('ram_unusable_bytes_exact', 'ram_unusable_bytes', 'ramUnusableBytes', 'bytes'),
  col('hint_channels_exact', 'hint_channels', 'hintChannels', 'channels'),
  col('hint_refusals_exact', 'hint_refusals', 'hintRefusals', 'count'),
  col('max_gpa_exact', 'max_gpa', 'maxGpa', 'address'),
  col('phys_bits_needed_exact', 'phys_bits_needed', 'physBitsNeeded', 'bits'),
];

/** The simulated columns with each exact column right after its own. */
export function withExactColumns<T extends string>(columns: readonly T[]): string[] {
  return columns.flatMap((c) => [c, ...EXACT_COLUMNS.filter((e) => e.after === c).map((e) => e.name)]);
}

/** The exact columns of one row: all empty without exact values; `ok`: the trials that ran (counts scale to them). */
export function exactRecord(e: ExactMetrics | undefined, ok: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of EXACT_COLUMNS) {
    const v = valueOf(e, c);
    out[c.name] = v === undefined ? '' : write(c.kind, v, ok);
  }
  return out;
}

function write(kind: Kind, v: ExactMetrics[Key] & {}, ok: number): string {
  if (kind === 'channels') return (v as ExactMetrics['hintChannels']).map(([ch, p]) => `${ch} ${dec(p * ok)}`).join('; ');
  if (kind === 'address') return hex(v as bigint);
  if (kind === 'bytes' || kind === 'bits') return String(v);
  return dec(kind === 'count' ? (v as number) * ok : (v as number));
}

/** Reads the exact columns back (undefined when vm_start_exact is empty: nothing was computed). */
export function readExact(r: Readonly<Record<string, string | undefined>>, ok: number, num: (k: string) => number, big: (k: string) => bigint): ExactMetrics | undefined {
  if (!r['vm_start_exact']) return undefined;
  const out: Record<string, unknown> = {};
  for (const c of EXACT_COLUMNS) {
    const cell = r[c.name] ?? '';
    if (c.sub) {
      const rec = (out[c.key] ??= {}) as Record<string, number>;
      rec[c.sub] = cell === '' ? 0 : num(c.name);
      continue;
    }
    if (c.kind === 'channels') out[c.key] = cell ? cell.split('; ').map((part) => { const at = part.lastIndexOf(' '); return [part.slice(0, at), ok > 0 ? Number(part.slice(at + 1)) / ok : 0] as const; }) : [];
    else if (cell === '') out[c.key] = undefined;
    else if (c.kind === 'bytes' || c.kind === 'address') out[c.key] = big(c.name);
    else if (c.kind === 'count') out[c.key] = ok > 0 ? num(c.name) / ok : 0;
    else out[c.key] = num(c.name);
  }
  return out as unknown as ExactMetrics;
}
