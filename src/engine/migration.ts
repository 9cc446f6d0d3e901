// Live migration with an assigned device: whether the userspace can migrate
// at all, and the destination's containers, set up before the switch.
import { findGroup, type Host } from '../model/host.js';
import { vfioMigrationBlocker } from '../model/kernel-versions.js';
import type { KernelModel } from '../kernel/types.js';
import type { Userspace } from '../userspace/types.js';
import { Containers } from '../vmm/containers.js';
import type { Section } from '../vmm/listener.js';
import type { Trace } from './trace.js';

/** Why the VM cannot leave with its devices, if it cannot (the VM stays on the source). */
export function migrationBlocker(us: Userspace, qemu: string, from: string, to: string, groups: readonly number[]): string | undefined {
  if (!groups.length) return undefined;
  // QEMU refuses to migrate a VM whose assigned device cannot be migrated.
  return us.migratesWithVfio ? vfioMigrationBlocker(qemu, from, to) : `${us.id} does not migrate with an assigned device`;
}

/** The destination's containers with every group attached and RAM mapped, or the refusals that stopped it. */
export function destinationContainers(kernel: KernelModel, host: Host, groups: readonly number[], cold: readonly Section[], runtime: readonly Section[], trace: Trace, file: string):
  { readonly status: 'ok'; readonly target: Containers } | { readonly status: 'failed'; readonly refusals: number } {
  const target = new Containers(kernel, trace);
  for (const g of groups) {
    if (target.attach(findGroup(host, g), cold).status !== 'ok') {
      trace('vmm', `migration to ${file} failed: the destination QEMU could not set up group ${g}; the VM keeps running on the source`);
      return { status: 'failed', refusals: target.refusals };
    }
  }
  target.follow(cold, runtime);
  return { status: 'ok', target };
}
