// One trial: a scenario's timeline played under one policy with one seed
// (trial-run.ts plays it; this file is what the rest of doorbell calls).
import { PolicyError, type TrialResult } from './result.js';
import { type TrialInput } from './trial-input.js';
import { TrialRun } from './trial-run.js';

export { TrialRun } from './trial-run.js';
export { type TrialInput, trialKey } from './trial-input.js';

export function runTrial(input: TrialInput): TrialResult {
  try {
    return { status: 'ok', ...new TrialRun(input).run() };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return { status: e instanceof PolicyError ? 'policy-error' : 'error', message };
  }
}
