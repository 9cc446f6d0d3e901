// What one trial did, reduced to the binary outcomes the Alex-vs-Will
// comparison pairs across policies (trial k runs the same draws under both).
import type { TrialMetrics } from '../engine/result.js';

export interface TrialOutcome {
  readonly userspace: string;
  readonly transcript: number;
  readonly started: boolean;
  readonly crashed: boolean;
  /** undefined: the trial made no such request. */
  readonly memHotplug?: boolean;
  readonly migration?: boolean;
  readonly refused: boolean;
  readonly unlogged: boolean;
  readonly hostLogged: boolean;
  readonly guestVisible: boolean;
  readonly ramCost: boolean;
}

export function outcomeOf(r: TrialMetrics): TrialOutcome {
  const v = r.lostBytesByVisibility;
  return {
    userspace: r.userspace,
    transcript: r.transcript,
    started: r.vmStarted,
    crashed: r.vmCrashed,
    ...(r.memHotplugAttempts > 0 ? { memHotplug: r.memHotplugOk === r.memHotplugAttempts } : {}),
    ...(r.migrations > 0 ? { migration: r.migrationsOk === r.migrations } : {}),
    refused: r.refusedCalls > 0,
    unlogged: v.unlogged > 0,
    hostLogged: v.host_logged > 0,
    guestVisible: v.guest_visible > 0,
    ramCost: r.ramUnusableBytes > 0n,
  };
}
