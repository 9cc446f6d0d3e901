// Summary rows for tests of what renders them, made the way a study makes them:
// summarize() over trial results. A test states the trials it needs (lossy,
// crashed, refused) and only the fields summarize() cannot know (exact shares,
// counterfactual labels), so a new summary column does not break it.
import { MECHANISMS, type TrialMetrics, type TrialResult, VISIBILITIES, eventCounters } from '../../src/engine/result.js';
import { type SummaryRow, summarize } from '../../src/results/model.js';

const zeros = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

/** One trial that started, did nothing and lost nothing, with `over` changed. */
export function okTrial(over: Partial<TrialMetrics> = {}): TrialResult {
  return {
    status: 'ok', vmStarted: true, startFailure: undefined, ...eventCounters(), userspace: 'qemu', transcript: 0, vmCrashed: false,
    refusedCalls: 0, msiSetupFailures: 0, lostOps: 0, silentOps: 0, lostBytes: 0, lostBytesBy: zeros(MECHANISMS), lostBytesByVisibility: zeros(VISIBILITIES),
    faultOps: 0, firmwareExposedBytes: 0n, dangerousPlacements: 0, ramUnusableBytes: 0n, hintsVia: [], hintRefusals: 0, maxGpa: 0n, maxUsedGpa: 0n,
    guestAbiChangeBytes: 0n, migratable: undefined, ...over,
  };
}

/** `n` copies of okTrial(over). */
export const trials = (n: number, over: Partial<TrialMetrics> = {}): TrialResult[] => Array.from({ length: n }, () => okTrial(over));

/** A trial that lost one 4 KiB write, silently or not. */
export const lossy = (silent: boolean): Partial<TrialMetrics> => ({ lostOps: 1, silentOps: silent ? 1 : 0, lostBytes: 4096 });

/** The row summarize() makes of `results` (scenario 's', policy 'p'), with what only a study adds (`study`) set. */
export function summaryOf(results: readonly TrialResult[], study: Partial<SummaryRow> = {}): SummaryRow {
  return { ...summarize('s', 'p', results), ...study };
}
