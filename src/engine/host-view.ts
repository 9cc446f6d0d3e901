// What a VMM on a host can see, and the small draws a trial makes.
import { findGroup, sysfsTypeName, type Host } from '../model/host.js';
import { kernelFor } from '../kernel/index.js';
import { KERNEL_ERAS, type KernelEra, type KernelModel } from '../kernel/types.js';
import { PolicyError } from './result.js';
import type { HostView, PolicyInstance, SysfsRegion } from '../policy.js';
import type { Rng } from '../guest/rng.js';

/** A policy's kernel on a host, and the view its VMM gets (sysfs only where the era has it). */
export function hostFor(policy: PolicyInstance, host: Host): { kernel: KernelModel; view: HostView } {
  const blind: HostView = { platform: host.platform, arch: host.arch, kernel: host.kernel, regions: () => undefined };
  let era: KernelEra;
  try {
    era = policy.kernel(blind);
  } catch (e) {
    throw new PolicyError(`policy ${policy.id}: kernel() threw: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!KERNEL_ERAS.includes(era)) throw new PolicyError(`policy ${policy.id}: kernel() returned ${JSON.stringify(era)}, expected one of ${KERNEL_ERAS.join(', ')}`);
  const kernel = kernelFor(era, host);
  const view: HostView = {
    ...blind,
    regions: (id) =>
      kernel.regionsVisible
        ? findGroup(host, id).regions.map((r): SysfsRegion => ({ start: r.start, last: r.last, type: sysfsTypeName(r.type) as SysfsRegion['type'] }))
        : undefined,
  };
  return { kernel, view };
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
