// Known differences between the real stack and doorbell's model, each with
// its reason. `doorbell conformance` and `npm test` fail on any other
// difference, and on an entry that no longer matches one (remove it when the
// model is fixed).
import type { Check } from './compare.js';
import type { Tier } from './types.js';

export interface AllowEntry {
  readonly tier: Tier;
  /** A check id; `*` matches any run of characters. */
  readonly pattern: string;
  readonly reason: string;
}

/**
 * Empty since the fidelity fixes merged: MSI isolation (GICv2 EPERM), DIMMs
 * placed by the guest machine, the phys-bits exit from QEMU 7.1 only and the
 * listener's q35/pc sections by phase all agree with the real stack now.
 * A new entry names the check (`boot/case`, `*` wildcards), the tier, and
 * why the model differs.
 */
export const ALLOW_LIST: readonly AllowEntry[] = [];

const matches = (pattern: string, id: string) =>
  new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(id);

export function allowedFor(id: string, list: readonly AllowEntry[] = ALLOW_LIST): AllowEntry | undefined {
  return list.find((e) => matches(e.pattern, id));
}

/** Entries of `tier` that match no differing check: the model now agrees there. */
export function staleEntries(tier: Tier, checks: readonly Check[], list: readonly AllowEntry[] = ALLOW_LIST): AllowEntry[] {
  return list.filter((e) => e.tier === tier && !checks.some((c) => !c.skip && c.real !== c.model && matches(e.pattern, c.id)));
}
