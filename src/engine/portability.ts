// Two costs the 2025 positions trade against each other:
// - guest ABI change: RAM moved or carved out of the machine type's
//   standard layout (OpenVMM's RAM from 1 GiB, 5a26d4458, "an ABI change");
// - migratable: whether the VM can move among the hosts of its pool without
//   anything the guest or its VMM's layout relies on changing (Jason
//   Gunthorpe on a kernel that picks the window per host: "randomly picking
//   an address ... would almost certainly unpredictably break qemu",
//   <20250918224322.GR1326709@ziepe.ca>).
import type { Range } from '../model/addr.js';
import { type Host, findGroup } from '../model/host.js';
import { IntervalSet } from '../model/intervals.js';
import type { PolicyInstance } from '../policy.js';
import type { Scenario } from '../scenario/types.js';
import { hostFor } from './host-view.js';

/** Bytes of the machine type's standard RAM that are not at the same guest-physical address in `ram`. */
export function abiChangedBytes(standard: IntervalSet, ram: IntervalSet): bigint {
  return standard.subtract(ram).measure();
}

/** The hosts a scenario's VM may run on: where it starts, then every destination of every migrate event. */
export function hostPool(s: Scenario): Host[] {
  const pool = [s.host, ...s.timeline.flatMap((e) => (e.kind === 'migrate' ? e.pool.map((p) => p.host) : []))];
  return [...new Set(pool)];
}

/**
 * What the VM relies on, on one host under the policy: each group's SW_MSI
 * window (the IOVA the kernel maps doorbells at; QEMU's nested SMMUv3 RMR
 * and a VMM's own layout are built around it) and the guest RAM that is
 * not valid IOVA there (what a guest told at boot avoids).
 */
function signature(policy: PolicyInstance, host: Host, window: Range | undefined, ram: IntervalSet, groups: readonly number[]): string {
  const under = hostFor(policy, host, window);
  return groups.map((id) => {
    const g = findGroup(under.host, id);
    const sw = g.regions.filter((r) => r.type === 'sw-msi').map((r) => `${r.start}-${r.last}`).join(',');
    const blocked = ram.intersect(IntervalSet.from(g.regions.filter((r) => r.type !== 'direct-relaxable')));
    return `${id}:${sw}:${blocked.ranges.map((r) => `${r.start}-${r.last}`).join(',')}`;
  }).join('|');
}

/**
 * Whether the started VM sees the same SW_MSI window and the same valid
 * guest RAM on every host of its pool (undefined: a pool of one host).
 * Whether a migration is allowed at all (VFIO migration uAPI, the
 * userspace) is counted by `migrations_ok`, not here.
 */
export function migratableAcrossPool(s: Scenario, policy: PolicyInstance, window: Range | undefined, ram: IntervalSet, groups: readonly number[]): boolean | undefined {
  const pool = hostPool(s);
  if (pool.length < 2) return undefined;
  const known = groups.filter((id) => pool.every((h) => h.groups.some((g) => g.id === id)));
  const first = signature(policy, pool[0]!, window, ram, known);
  return pool.slice(1).every((h) => signature(policy, h, window, ram, known) === first);
}
