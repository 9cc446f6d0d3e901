// Whether a swept or searched parameter applies to a scenario, decided for
// every selected scenario before any trial runs (and before --shard splits
// them, so every shard decides alike). Rule: a scenario named with
// --scenario that a parameter does not apply to is refused in one line; one
// that came with the default set (every built-in) is left out of the run,
// and the run says which and why.
import { InputError } from '../errors.js';
import type { Scenario } from './types.js';

export function whyNot(s: Scenario, key: string): { why: string; expected: string } | undefined {
  if (key === 'vm.ram' && s.vm.machine === 'explicit') return { why: 'lays RAM out explicitly', expected: 'a scenario with machine virt, q35 or pc' };
  if (key.startsWith('dma.') && !s.timeline.some((e) => e.kind === 'dma')) return { why: 'has no dma phase', expected: 'a scenario with a dma event' };
  if (key.startsWith('workload.') && s.devices.length === 0) return { why: 'has no devices', expected: 'a scenario with devices' };
  return undefined;
}

export function keepApplicable<T extends { scenario: Scenario }>(loaded: readonly T[], keys: readonly string[], named: boolean, flag: string, note: (line: string) => void): T[] {
  return loaded.filter(({ scenario }) => {
    for (const key of keys) {
      const no = whyNot(scenario, key);
      if (!no) continue;
      if (named) throw new InputError(`${flag} ${key}: scenario ${scenario.name} ${no.why}`, no.expected);
      note(`${flag} ${key}: ${scenario.name} ${no.why}: left out of this run (every built-in was selected; name it with --scenario to be refused instead)`);
      return false;
    }
    return true;
  });
}
