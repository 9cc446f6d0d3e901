// What a VMM on a host can see, and the small draws a trial makes.
import { type Host, findGroup, sysfsTypeName } from '../model/host.js';
import { effectiveKernel, hostAtKernel, msiUnavailableAt, sysfsRegionsAt } from '../model/kernel-versions.js';
import { kernelFor } from '../kernel/index.js';
import { KERNEL_ERAS, type KernelEra, type KernelModel } from '../kernel/types.js';
import { PolicyError } from './result.js';
import type { HostView, PolicyInstance, SysfsRegion } from '../policy.js';
import type { Rng } from '../guest/rng.js';
import type { Range } from '../model/addr.js';
import { kernelMovedHost, hostWithWindow, optionForGroup } from '../kernel/sw-msi-option.js';
import { hostWithDmaLimitReported } from '../kernel/dma-limit.js';
import type { KernelResult } from '../kernel/types.js';

/** The era a policy's kernel() picks on a host (it sees only the platform). */
export function eraOf(policy: PolicyInstance, host: Host): KernelEra {
  const blind: HostView = { platform: host.platform, arch: host.arch, kernel: host.kernel, regions: () => undefined };
  let era: KernelEra;
  try {
    era = policy.kernel(blind);
  } catch (e) {
    throw new PolicyError(`policy ${policy.id}: kernel() threw: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!KERNEL_ERAS.includes(era)) throw new PolicyError(`policy ${policy.id}: kernel() returned ${JSON.stringify(era)}, expected one of ${KERNEL_ERAS.join(', ')}`);
  return era;
}

export interface HostUnderPolicy {
  readonly kernel: KernelModel;
  readonly view: HostView;
  /** The host as the era's kernel shows it (model/kernel-versions.ts hostAtKernel). */
  readonly host: Host;
  /** The kernel version the era runs as: the host's own when the era spans it, else the era's nearest release. */
  readonly version: string;
  /** Set when the era never ran on this host's kernel: why the run is a what-if. */
  readonly whatIf?: string;
  /** Why a device of this group gets no MSIs from that kernel, if it gets none. */
  msiUnavailable(groupId: number): string | undefined;
  /** Groups whose devices refused the VMM's SW_MSI window (they keep the kernel's). */
  readonly windowRefusals: readonly { readonly group: number; readonly result: KernelResult }[];
}

/**
 * A policy's kernel on a host, and the view its VMM gets (sysfs only where
 * the version has it). An era runs as the nearest release it spans to the
 * host's kernel, on the host as that release shows it.
 */
export function hostFor(policy: PolicyInstance, given: Host, msiWindow?: Range): HostUnderPolicy {
  const era = eraOf(policy, given);
  // Where the SW_MSI window sits under the policy: the kernel moves it per host, or the VMM sets it per device.
  const reported = policy.kernelReportsDmaLimit ? hostWithDmaLimitReported(given) : given;
  const moved = policy.kernelMovesMsiWindow ? kernelMovedHost(reported) : reported;
  const windowRefusals = msiWindow ? moved.groups.flatMap((g) => { const r = optionForGroup(g, msiWindow); return r.status === 'ok' ? [] : [{ group: g.id, result: r }]; }) : [];
  const physical = msiWindow ? hostWithWindow(moved, msiWindow, moved.groups.map((g) => g.id).filter((id) => !windowRefusals.some((w) => w.group === id))) : moved;
  const { version, whatIf } = effectiveKernel(era, physical.kernel);
  const host = hostAtKernel(physical, version);
  const kernel = kernelFor(era, host);
  const view: HostView = {
    platform: host.platform,
    arch: host.arch,
    kernel: version,
    regions: (id) => {
      if (!kernel.regionsVisible) return undefined;
      return sysfsRegionsAt(host, findGroup(host, id), version)?.map((r): SysfsRegion => ({ start: r.start, last: r.last, type: sysfsTypeName(r.type) as SysfsRegion['type'] }));
    },
  };
  const msiUnavailable = (id: number) => msiUnavailableAt(physical, findGroup(physical, id), version);
  return { kernel, view, host, version, ...(whatIf ? { whatIf } : {}), msiUnavailable, windowRefusals };
}

/** Traces each group that refused the VMM's SW_MSI window; returns how many did. */
export function windowRefusals(under: HostUnderPolicy, window: Range | undefined, trace: (kind: 'kernel', text: string) => void): number {
  for (const w of under.windowRefusals) {
    const errno = w.result.status === 'refused' ? w.result.errno : '';
    trace('kernel', `IOMMU_OPTION_SW_MSI_START/SIZE 0x${window?.start.toString(16)} for group ${w.group} = -${errno}: it keeps the kernel's window`);
  }
  return under.windowRefusals.length;
}

/** Index drawn with probability weight / total. */
export function drawWeighted(rng: Rng, weights: readonly number[]): number {
  const total = weights.reduce((s, w) => s + w, 0);
  let u = rng.float() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i]!;
    if (u < 0) return i;
  }
  return weights.length - 1;
}
