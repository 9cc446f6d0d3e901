// KTAP output (Documentation/dev-tools/ktap.rst): one subtest per tier, one
// test line per case; a known difference is `not ok ... # TODO`, a case that
// cannot be compared `ok ... # SKIP`.
import { ALLOW_LIST, allowedFor, staleEntries, type AllowEntry } from './allowlist.js';
import type { Check } from './compare.js';
import type { Tier } from './types.js';

export interface TierSummary {
  readonly tier: Tier;
  readonly agree: number;
  readonly differ: number;
  readonly allowed: number;
  readonly skipped: number;
  readonly stale: readonly AllowEntry[];
}

export function summarize(tier: Tier, checks: readonly Check[], allow: readonly AllowEntry[] = ALLOW_LIST): TierSummary {
  let agree = 0, differ = 0, allowed = 0, skipped = 0;
  for (const c of checks) {
    if (c.skip) skipped++;
    else if (c.real === c.model) agree++;
    else if (allowedFor(c.id, allow)) allowed++;
    else differ++;
  }
  return { tier, agree, differ, allowed, skipped, stale: staleEntries(tier, checks, allow) };
}

/** Things this stack cannot show, printed every run so they are never skipped silently. */
export interface NotCheckable {
  readonly name: string;
  readonly why: string;
}

export function ktap(
  tiers: ReadonlyArray<{ tier: Tier; checks: readonly Check[] }>, notCheckable: readonly NotCheckable[], allow: readonly AllowEntry[] = ALLOW_LIST,
): { text: string; ok: boolean } {
  const out = ['KTAP version 1', `1..${tiers.length + 1}`];
  let allOk = true;
  tiers.forEach(({ tier, checks }, t) => {
    out.push('    KTAP version 1', `    # Subtest: ${tier}`, `    1..${checks.length}`);
    checks.forEach((c, i) => {
      const n = i + 1;
      if (c.skip) out.push(`    ok ${n} ${c.id} # SKIP ${c.skip}`);
      else if (c.real === c.model) out.push(`    ok ${n} ${c.id}`);
      else {
        const known = allowedFor(c.id, allow);
        out.push(`    not ok ${n} ${c.id} # ${known ? 'TODO known difference: ' : ''}real: ${c.real} model: ${c.model}`);
        if (known) out.push(`    # why: ${known.reason}`);
      }
    });
    const s = summarize(tier, checks, allow);
    for (const e of s.stale) out.push(`    # allow-list entry ${e.pattern} matches no difference any more: remove it`);
    out.push(`    # ${tier}: ${s.agree} agree, ${s.differ + s.allowed} differ (${s.allowed} known, in the allow-list), ${s.skipped} not compared`);
    const ok = s.differ === 0 && s.stale.length === 0 && s.skipped === 0;
    allOk &&= ok;
    out.push(`${ok ? 'ok' : 'not ok'} ${t + 1} ${tier}`);
  });
  out.push('    KTAP version 1', '    # Subtest: cannot be checked here', `    1..${notCheckable.length}`);
  notCheckable.forEach((x, i) => out.push(`    ok ${i + 1} ${x.name} # SKIP ${x.why}`));
  out.push(`ok ${tiers.length + 1} cannot be checked here # SKIP`);
  return { text: out.join('\n') + '\n', ok: allOk };
}
