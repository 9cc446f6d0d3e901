// Every metric a path of the scenario's discrete draws decides, computed
// exactly: engine/exact.ts plays each path once and hands its metrics here
// with the path's probability. A path fixes the guest, the userspace, every
// `chance`, pool pick and hint-channel failure, so what the VMM and the
// kernel did (start, hotplug, migration, crash, refusals, hints, layout) is
// the same in every trial that follows it. The DMA placements are drawn
// beyond the path: their expectations (lost operations and bytes, faults,
// dangerous placements) come from the path's analytic working sets
// (guest/analytic-dma.ts), weighted alike.
import { bitsFor } from '../model/addr.js';
import { MECHANISMS, type Mechanism, type TrialMetrics, type VisibilityKey } from './result.js';
import { VISIBILITY_KEYS } from '../dma/outcome.js';

/** Per trial: probabilities (P), expectations (E), ratios of expectations, and the worst path for layout figures. */
export interface ExactMetrics {
  /** P(the VM starts), and P(each side stopped it). */
  readonly vmStart: number;
  readonly startFailedKernel: number;
  readonly startFailedVmm: number;
  readonly startFailedLayout: number;
  /** E[attempts], E[successes] per trial; the success rate is E[ok]/E[attempts] (undefined without attempts), as the pooled simulated rate estimates it. */
  readonly hotplugAttempts: number;
  readonly hotplugOk: number;
  readonly hotplug: number | undefined;
  readonly hotplugRejectedKernel: number;
  readonly hotplugAbortedVmm: number;
  readonly memHotplugAttempts: number;
  readonly memHotplugOk: number;
  readonly migrations: number;
  readonly migrationsOk: number;
  readonly refusedKernel: number;
  readonly refusedVmm: number;
  /** P(QEMU kills the VM). */
  readonly vmCrash: number;
  /** E[requests that succeeded] / E[requests]. */
  readonly requests: number | undefined;
  readonly firmwareExposed: number;
  readonly firmwareExposedBytesMean: number;
  readonly refusedCallsMean: number;
  readonly msiSetupFailures: number;
  /** Each hint channel with P(it carried a hint in a trial), in order of first use over the paths. */
  readonly hintChannels: ReadonlyArray<readonly [string, number]>;
  readonly hintRefusals: number;
  readonly guestAbiChanged: number;
  /** P(migratable | the VM started with a pool of hosts); undefined when no path has a pool. */
  readonly migratable: number | undefined;
  /** Worst over every path of positive probability (the simulated figure is the worst trial drawn: never above it). */
  readonly ramUnusableBytes: bigint;
  readonly maxGpa: bigint;
  readonly physBitsNeeded: number;
  readonly guestAbiChangeBytes: bigint;
  /** E[DMA operations per trial] that lost data, lost some unlogged, raised an IOMMU fault. */
  readonly lostOpsMean: number;
  readonly silentOpsMean: number;
  readonly dmaFaultsMean: number;
  /** E[lost bytes per trial], in all, by mechanism, by who sees them. */
  readonly lostBytesMean: number;
  readonly lostBytesMeanBy: Readonly<Record<Mechanism, number>>;
  readonly lostBytesMeanByVisibility: Readonly<Record<VisibilityKey, number>>;
  /** E[buffers placed or re-placed over a danger range per trial]. */
  readonly dangerousPlacementsMean: number;
}

const BY_MECHANISM = MECHANISMS.map((k) => [k, `lostBytesBy.${k}`] as const);
const BY_VISIBILITY = VISIBILITY_KEYS.map((k) => [k, `lostBytesByVisibility.${k}`] as const);

/** Sums each path's metrics with its probability; finish() gives the ExactMetrics. */
export class ExactAccumulator {
  private readonly e: Record<string, number> = {};
  private readonly channels = new Map<string, number>();
  private worst = { ram: 0n, gpa: 0n, used: 0n, abi: 0n };

  add(weight: number, m: TrialMetrics): void {
    const put = (k: string, v: number) => { this.e[k] = (this.e[k] ?? 0) + weight * v; };
    put('vmStart', m.vmStarted ? 1 : 0);
    put('startFailedKernel', m.startFailure === 'kernel' ? 1 : 0);
    put('startFailedVmm', m.startFailure === 'vmm' ? 1 : 0);
    put('startFailedLayout', m.startFailure === 'layout' ? 1 : 0);
    for (const k of ['hotplugAttempts', 'hotplugOk', 'hotplugRejectedKernel', 'hotplugAbortedVmm', 'memHotplugAttempts', 'memHotplugOk', 'migrations', 'migrationsOk', 'msiSetupFailures', 'hintRefusals'] as const) put(k, m[k]);
    // As results/model.ts summarize counts them: what the VMM refused, and the rest of the failures (the kernel's).
    put('refusedKernel', (m.startFailure === 'kernel' ? 1 : 0) + m.hotplugRejectedKernel + (m.memHotplugAttempts - m.memHotplugOk - m.memHotplugAbortedVmm) + (m.migrations - m.migrationsOk - m.migrationsAbortedVmm));
    put('refusedVmm', (m.startFailure === 'vmm' ? 1 : 0) + m.hotplugAbortedVmm + m.memHotplugAbortedVmm + m.migrationsAbortedVmm);
    put('vmCrash', m.vmCrashed ? 1 : 0);
    put('requestsOk', (m.vmStarted ? 1 : 0) + m.hotplugOk + m.memHotplugOk + m.migrationsOk);
    put('requests', 1 + m.hotplugAttempts + m.memHotplugAttempts + m.migrations);
    put('firmwareExposed', m.firmwareExposedBytes > 0n ? 1 : 0);
    put('firmwareExposedBytesMean', Number(m.firmwareExposedBytes));
    put('refusedCallsMean', m.refusedCalls);
    put('guestAbiChanged', m.guestAbiChangeBytes > 0n ? 1 : 0);
    put('pooled', m.migratable === undefined ? 0 : 1);
    put('migratable', m.migratable ? 1 : 0);
    // Exact mode's DMA figures are already expectations over the placements (guest/analytic-dma.ts).
    put('lostOpsMean', m.lostOps);
    put('silentOpsMean', m.silentOps);
    put('dmaFaultsMean', m.faultOps);
    put('lostBytesMean', m.lostBytes);
    for (const [k, key] of BY_MECHANISM) put(key, m.lostBytesBy[k]);
    for (const [k, key] of BY_VISIBILITY) put(key, m.lostBytesByVisibility[k]);
    put('dangerousPlacementsMean', m.dangerousPlacements);
    for (const c of m.hintsVia) this.channels.set(c, (this.channels.get(c) ?? 0) + weight);
    if (weight > 0) {
      if (m.ramUnusableBytes > this.worst.ram) this.worst.ram = m.ramUnusableBytes;
      if (m.maxGpa > this.worst.gpa) this.worst.gpa = m.maxGpa;
      if (m.maxUsedGpa > this.worst.used) this.worst.used = m.maxUsedGpa;
      if (m.guestAbiChangeBytes > this.worst.abi) this.worst.abi = m.guestAbiChangeBytes;
    }
  }

  finish(): ExactMetrics {
    const g = (k: string) => clean(this.e[k] ?? 0);
    const ratio = (num: string, den: string) => (g(den) > 0 ? clean(g(num) / g(den)) : undefined);
    return {
      vmStart: g('vmStart'), startFailedKernel: g('startFailedKernel'), startFailedVmm: g('startFailedVmm'), startFailedLayout: g('startFailedLayout'),
      hotplugAttempts: g('hotplugAttempts'), hotplugOk: g('hotplugOk'), hotplug: ratio('hotplugOk', 'hotplugAttempts'),
      hotplugRejectedKernel: g('hotplugRejectedKernel'), hotplugAbortedVmm: g('hotplugAbortedVmm'),
      memHotplugAttempts: g('memHotplugAttempts'), memHotplugOk: g('memHotplugOk'), migrations: g('migrations'), migrationsOk: g('migrationsOk'),
      refusedKernel: g('refusedKernel'), refusedVmm: g('refusedVmm'), vmCrash: g('vmCrash'), requests: ratio('requestsOk', 'requests'),
      firmwareExposed: g('firmwareExposed'), firmwareExposedBytesMean: g('firmwareExposedBytesMean'), refusedCallsMean: g('refusedCallsMean'),
      msiSetupFailures: g('msiSetupFailures'), hintChannels: [...this.channels].map(([c, p]) => [c, clean(p)] as const), hintRefusals: g('hintRefusals'),
      guestAbiChanged: g('guestAbiChanged'), migratable: ratio('migratable', 'pooled'),
      ramUnusableBytes: this.worst.ram, maxGpa: this.worst.gpa, physBitsNeeded: bitsFor(this.worst.used > this.worst.gpa ? this.worst.used : this.worst.gpa), guestAbiChangeBytes: this.worst.abi,
      lostOpsMean: g('lostOpsMean'), silentOpsMean: g('silentOpsMean'), dmaFaultsMean: g('dmaFaultsMean'), lostBytesMean: g('lostBytesMean'),
      lostBytesMeanBy: Object.fromEntries(MECHANISMS.map((k) => [k, g(`lostBytesBy.${k}`)])) as Record<Mechanism, number>,
      lostBytesMeanByVisibility: Object.fromEntries(VISIBILITY_KEYS.map((k) => [k, g(`lostBytesByVisibility.${k}`)])) as Record<VisibilityKey, number>,
      dangerousPlacementsMean: g('dangerousPlacementsMean'),
    };
  }
}

// Path weights are products of the scenario's probabilities: a sum that
// should be 0 or a whole number comes back off by round-off of order 1e-16.
function clean(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - r) < 1e-12 ? r : x;
}

