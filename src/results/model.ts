// The results model: one row per scenario × policy, computed from trial
// results only. Renderers read this and run metadata, never the engine.
import { bitsFor } from '../model/addr.js';
import { MECHANISMS, type Mechanism, type TrialResult, VISIBILITIES, type VisibilityKey } from '../engine/result.js';
import type { ExactMetrics } from '../engine/exact-metrics.js';
import { type Rate, wilson } from './stats.js';

export interface SummaryRow {
  readonly scenario: string;
  readonly policy: string;
  /** Sweep point label, e.g. `vm.ram=4GiB` ('' without a sweep). */
  readonly point: string;
  readonly trials: number;
  /** Trials actually simulated: `trials`, or 1 for a pair computed once (engine/fact.ts: trial 0 played as the check, the rest the same). */
  readonly trialsPlayed: number;
  readonly errors: number;
  /** Of `errors`, those the policy caused (it threw or returned nonsense). */
  readonly policyErrors: number;
  readonly firstError: string | undefined;
  readonly vmStart: Rate;
  readonly startFailedKernel: number;
  readonly startFailedVmm: number;
  readonly startFailedLayout: number;
  readonly hotplugAttempts: number;
  readonly hotplug: Rate;
  readonly hotplugRejectedKernel: number;
  readonly hotplugAbortedVmm: number;
  readonly memHotplugAttempts: number;
  readonly memHotplugOk: number;
  readonly migrations: number;
  readonly migrationsOk: number;
  /** Requests (start, device_add, memory hotplug, migration) refused by the kernel, and by the VMM's own check. */
  readonly refusedKernel: number;
  readonly refusedVmm: number;
  readonly vmCrashes: number;
  /** Every VMM request (start, device_add, memory hotplug, migration) that succeeded. */
  readonly requests: Rate;
  /** Trials with a DMA write that did not land where the guest believes, whoever sees it (Alex's criterion). */
  readonly dataLoss: Rate;
  /** The same probability computed exactly (engine/exact.ts), where the scenario allows. */
  readonly dataLossExact: number | undefined;
  /** Trials with a lost write nothing records. */
  readonly silentLoss: Rate;
  readonly silentLossExact: number | undefined;
  /**
   * Every metric the path of the scenario's draws decides, computed exactly
   * (engine/exact-metrics.ts), where dataLossExact is; the Rate and count
   * fields beside it stay the simulated sample that cross-checks it.
   */
  readonly exact: ExactMetrics | undefined;
  /** Why the exact figures are not computed ('not computed: over the work budget (N paths > M)'), '' otherwise. */
  readonly exactNote: string;
  /** The exact figures' range over the assumption space, and the assumption that moves them most (engine/sensitivity.ts). */
  readonly dataLossRange: ExactRange | undefined;
  readonly silentLossRange: ExactRange | undefined;
  /** Every path of the scenario's draws ends alike and loses in all its trials or none (engine/exact.ts): the figures are facts. */
  readonly deterministic: boolean | undefined;
  /** Each device's workload as the scenario (or sweep point) sets it: `nic0 1024x64 KiB steady-state natural`. */
  readonly workload: string;
  readonly lostBytesMean: number;
  readonly lostBytesMeanBy: Readonly<Record<Mechanism, number>>;
  readonly lostBytesMeanByVisibility: Readonly<Record<VisibilityKey, number>>;
  readonly dmaFaultsMean: number;
  /** Trials with guest RAM mapped over a live firmware DIRECT range, and its mean size. */
  readonly firmwareExposed: Rate;
  readonly firmwareExposedBytesMean: number;
  readonly refusedCallsMean: number;
  readonly msiSetupFailures: number;
  readonly ramUnusableBytes: bigint;
  /** The hint channels that told the guest, with the trials each did: `firmware-tables 1000; runtime-message (hypothetical) 250`. */
  readonly hintChannels: string;
  /** Hints the guest refused (an ACPI eject of a DIMM holding unmovable pages), over all trials. */
  readonly hintRefusals: number;
  readonly maxGpa: bigint;
  /** Bits for the highest address QEMU checks against phys-bits: RAM, or the x86 64-bit PCI hole above it (pc_max_used_gpa). */
  readonly physBitsNeeded: number;
  /** Bytes of the machine type's standard RAM moved or carved out (worst trial); > 0: every existing guest of that machine type sees its memory map change. */
  readonly guestAbiChangeBytes: bigint;
  /** Trials whose guest was laid out other than the machine type's standard layout. */
  readonly guestAbiChanged: Rate;
  /** Started VMs that see the same SW_MSI window and valid guest RAM on every host of their pool (n = 0: a pool of one host). */
  readonly migratable: Rate;
  /** Why the pair is a what-if (reasons joined by '; '), '' when it is history (engine/counterfactual.ts). */
  readonly counterfactual: string;
}

/** An exact probability's lowest and highest value over the assumption space; `none` when nothing moves it. */
export interface ExactRange {
  readonly lo: number;
  readonly hi: number;
  readonly sensitiveTo: string;
}

export function summarize(scenario: string, policy: string, results: readonly TrialResult[]): SummaryRow {
  const ok = results.flatMap((r) => (r.status === 'ok' ? [r] : []));
  const firstError = results.find((r) => r.status !== 'ok');
  const n = ok.length;
  const sum = (f: (r: (typeof ok)[number]) => number) => ok.reduce((s, r) => s + f(r), 0);
  const mean = (f: (r: (typeof ok)[number]) => number) => (n === 0 ? 0 : sum(f) / n);
  const started = sum((r) => (r.vmStarted ? 1 : 0));
  const hotplugAttempts = sum((r) => r.hotplugAttempts);
  const hotplugOk = sum((r) => r.hotplugOk);
  const memAttempts = sum((r) => r.memHotplugAttempts);
  const memOk = sum((r) => r.memHotplugOk);
  const lostBy = {} as Record<Mechanism, number>;
  for (const m of MECHANISMS) lostBy[m] = mean((r) => r.lostBytesBy[m]);
  const lostByVisibility = {} as Record<VisibilityKey, number>;
  for (const v of VISIBILITIES) lostByVisibility[v] = mean((r) => r.lostBytesByVisibility[v]);
  // RAM cost and highest GPA are properties of the layout: report the worst trial.
  const maxGpa = ok.reduce((m, r) => (r.maxGpa > m ? r.maxGpa : m), 0n);
  const unusable = ok.reduce((m, r) => (r.ramUnusableBytes > m ? r.ramUnusableBytes : m), 0n);
  const abi = ok.reduce((m, r) => (r.guestAbiChangeBytes > m ? r.guestAbiChangeBytes : m), 0n);
  const pooled = ok.filter((r) => r.migratable !== undefined);
  return {
    scenario,
    policy,
    point: '',
    trials: results.length,
    trialsPlayed: results.length,
    errors: results.length - n,
    firstError: firstError && 'message' in firstError ? `${firstError.status}: ${firstError.message}` : undefined,
    policyErrors: results.filter((r) => r.status === 'policy-error').length,
    vmStart: wilson(started, n),
    startFailedKernel: sum((r) => (r.startFailure === 'kernel' ? 1 : 0)),
    startFailedVmm: sum((r) => (r.startFailure === 'vmm' ? 1 : 0)),
    startFailedLayout: sum((r) => (r.startFailure === 'layout' ? 1 : 0)),
    hotplugAttempts,
    hotplug: wilson(hotplugOk, hotplugAttempts),
    hotplugRejectedKernel: sum((r) => r.hotplugRejectedKernel),
    hotplugAbortedVmm: sum((r) => r.hotplugAbortedVmm),
    memHotplugAttempts: memAttempts,
    memHotplugOk: memOk,
    migrations: sum((r) => r.migrations),
    migrationsOk: sum((r) => r.migrationsOk),
    refusedKernel:
      sum((r) => (r.startFailure === 'kernel' ? 1 : 0)) + sum((r) => r.hotplugRejectedKernel) +
      sum((r) => r.memHotplugAttempts - r.memHotplugOk - r.memHotplugAbortedVmm) + sum((r) => r.migrations - r.migrationsOk - r.migrationsAbortedVmm),
    refusedVmm:
      sum((r) => (r.startFailure === 'vmm' ? 1 : 0)) + sum((r) => r.hotplugAbortedVmm) + sum((r) => r.memHotplugAbortedVmm) + sum((r) => r.migrationsAbortedVmm),
    vmCrashes: sum((r) => (r.vmCrashed ? 1 : 0)),
    requests: wilson(started + hotplugOk + memOk + sum((r) => r.migrationsOk), n + hotplugAttempts + memAttempts + sum((r) => r.migrations)),
    dataLoss: wilson(sum((r) => (r.lostOps > 0 ? 1 : 0)), n),
    dataLossExact: undefined,
    silentLoss: wilson(sum((r) => (r.silentOps > 0 ? 1 : 0)), n),
    silentLossExact: undefined,
    exact: undefined,
    exactNote: '',
    dataLossRange: undefined,
    silentLossRange: undefined,
    deterministic: undefined,
    workload: '',
    lostBytesMean: mean((r) => r.lostBytes),
    lostBytesMeanBy: lostBy,
    lostBytesMeanByVisibility: lostByVisibility,
    dmaFaultsMean: mean((r) => r.faultOps),
    firmwareExposed: wilson(sum((r) => (r.firmwareExposedBytes > 0n ? 1 : 0)), n),
    firmwareExposedBytesMean: mean((r) => Number(r.firmwareExposedBytes)),
    refusedCallsMean: mean((r) => r.refusedCalls),
    msiSetupFailures: sum((r) => r.msiSetupFailures),
    ramUnusableBytes: unusable,
    hintChannels: channelCounts(ok.map((r) => r.hintsVia)),
    hintRefusals: sum((r) => r.hintRefusals),
    maxGpa,
    // What QEMU checks against phys-bits: the highest used GPA, PCI hole included (x86), not the highest RAM.
    physBitsNeeded: bitsFor(ok.reduce((m, r) => (r.maxUsedGpa > m ? r.maxUsedGpa : m), maxGpa)),
    guestAbiChangeBytes: abi,
    guestAbiChanged: wilson(sum((r) => (r.guestAbiChangeBytes > 0n ? 1 : 0)), n),
    migratable: wilson(pooled.filter((r) => r.migratable).length, pooled.length),
    counterfactual: '',
  };
}

/** exact_note of a run that was asked to simulate everything. */
export const SIMULATE_NOTE = 'simulated (--simulate)';

/** The row with every exact value dropped and the note saying why: every figure left is the simulation's. */
export function simulatedOnly(r: SummaryRow, note: string): SummaryRow {
  return { ...r, dataLossExact: undefined, silentLossExact: undefined, exact: undefined, dataLossRange: undefined, silentLossRange: undefined, deterministic: undefined, exactNote: note };
}

/** Each channel with the number of trials it carried a hint in, in order of first use. */
function channelCounts(trials: readonly (readonly string[])[]): string {
  const counts = new Map<string, number>();
  for (const via of trials) for (const c of via) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts].map(([c, n]) => `${c} ${n}`).join('; ');
}

/** Separates the reasons of one `counterfactual` label; no reason contains it. */
export const REASON_SEPARATOR = '; ';

/** Fixed-precision decimal for CSV: stable across machines and locales. */
export function dec(x: number, digits = 6): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '';
}

