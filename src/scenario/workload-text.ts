// A scenario's device workloads in one line, as the report and CSV state
// them before any figure that depends on them.
import { formatSize } from '../model/addr.js';
import type { Scenario } from './types.js';

/** `nic0 1024 x 64 KiB steady-state natural` per device, joined by '; ' (no commas: CSV readers split naively). */
export function workloadText(s: Scenario): string {
  return s.devices
    .map((d) => {
      const w = d.workload;
      const low = w.lowBias > 0 ? ` (${w.lowBias * 100}% below 4 GiB)` : '';
      const preset = w.preset ? ` (preset ${w.preset}${w.churn === undefined ? '' : ` churn ${w.churn}`})` : '';
      return `${d.name} ${w.buffers} x ${formatSize(w.bufferBytes)} ${w.placement} ${w.alignment}${low}${preset}`;
    })
    .join('; ');
}
