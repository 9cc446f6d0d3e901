// trials.csv (--keep-trials): one row per scenario × policy × trial,
// streamed as each pair finishes so memory stays flat.
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { hex } from '../model/addr.js';
import { MECHANISMS, VISIBILITIES } from '../engine/result.js';
import type { TrialResult } from '../engine/result.js';

export const TRIAL_COLUMNS = [
  'scenario', 'policy', 'point', 'trial', 'status', 'vm_started', 'start_failure', 'hotplug_attempts', 'hotplug_ok',
  'mem_hotplug_attempts', 'mem_hotplug_ok', 'migrations', 'migrations_ok', 'vm_crashed', 'refused_calls',
  'msi_setup_failures', 'lost_ops', 'silent_ops', 'lost_bytes', ...MECHANISMS.map((m) => `lost_bytes_${m}`),
  ...VISIBILITIES.map((v) => `lost_bytes_${v}`), 'fault_ops', 'firmware_exposed_pages', 'firmware_exposed_bytes',
  'dangerous_placements', 'ram_unusable_bytes', 'max_gpa', 'hint_channels', 'hint_refusals', 'guest_abi_change_bytes',
  'migratable', 'message',
] as const;

export class TrialsCsvWriter {
  constructor(private readonly out: Writable) {
    out.write(stringify([], { header: true, columns: [...TRIAL_COLUMNS], record_delimiter: 'unix' }));
  }

  write(scenario: string, policy: string, results: readonly TrialResult[], point = ''): void {
    const records = results.map((r, trial) =>
      r.status === 'ok'
        ? [scenario, policy, point, trial, 'ok', r.vmStarted ? 1 : 0, r.startFailure ?? '', r.hotplugAttempts, r.hotplugOk,
          r.memHotplugAttempts, r.memHotplugOk, r.migrations, r.migrationsOk, r.vmCrashed ? 1 : 0, r.refusedCalls,
          r.msiSetupFailures, r.lostOps, r.silentOps, r.lostBytes, ...MECHANISMS.map((m) => r.lostBytesBy[m]),
          ...VISIBILITIES.map((v) => r.lostBytesByVisibility[v]), r.faultOps,
          (r.firmwareExposedBytes / 4096n).toString(), r.firmwareExposedBytes.toString(), r.dangerousPlacements, r.ramUnusableBytes.toString(), hex(r.maxGpa),
          // The summary's hint_channels counts these per channel; here, the trial's channels in the order used.
          r.hintsVia.join('; '), r.hintRefusals, r.guestAbiChangeBytes.toString(), r.migratable === undefined ? '' : r.migratable ? 1 : 0, '']
        : [scenario, policy, point, trial, r.status, ...Array(TRIAL_COLUMNS.length - 6).fill(''), r.message],
    );
    this.out.write(stringify(records, { record_delimiter: 'unix' }));
  }
}
