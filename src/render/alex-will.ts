// The Alex-vs-Will section: kernel-rejects minus qemu-aborts on every
// metric where they can differ, a sentence per scenario computed from the
// intervals, and one paragraph across the library. Reads comparisons only.
import { ALEX, type Comparison, WILL } from '../results/comparisons.js';
import { asciiTable, wrap } from './format.js';

const LABELS: Readonly<Record<string, string>> = {
  vm_start: 'VM start', hotplug_ok: 'hotplug ok', mem_hotplug_ok: 'mem hotplug ok', migration_ok: 'migration ok',
  vm_crash: 'VM crash', data_loss: 'data loss', silent_loss: 'silent loss', loss_unlogged: 'loss, unlogged',
  loss_host_logged: 'loss, host-logged', loss_guest_visible: 'loss, guest-visible', refused_calls: 'refused calls',
  ram_cost: 'RAM kept from DMA',
};
/** Metrics where more is better for the guest; on every other one less is. */
export const GOOD = new Set(['vm_start', 'hotplug_ok', 'mem_hotplug_ok', 'migration_ok']);
/** Who refused (kernel or VMM) is how the positions differ, not who is ahead: shown, never scored. */
export const NEUTRAL = new Set(['refused_calls']);

export function metricLabel(m: string): string {
  const [base, u] = m.split('@') as [string, string | undefined];
  return u ? `${LABELS[base] ?? base} (${u})` : (LABELS[base] ?? base);
}

const pp = (x: number) => `${x >= 0 ? '+' : '-'}${Math.abs(x * 100).toFixed(1)}`;

function alexWill(diffs: readonly Comparison[]): Comparison[] {
  return diffs.filter((c) => c.first === ALEX && c.second === WILL && c.n > 0);
}

/** Who is ahead, by how much, on metrics whose interval excludes 0. */
export function alexWillSentence(diffs: readonly Comparison[]): string {
  const cs = alexWill(diffs);
  if (cs.length === 0) return '';
  if (cs[0]!.byConstruction) return `${ALEX} and ${WILL} make the same kernel calls and decisions in every trial: identical by construction.`;
  const ahead = (alex: boolean) => cs.filter((c) => c.distinguishable && !c.metric.includes('@') && !NEUTRAL.has(c.metric) && (GOOD.has(c.metric) === c.diff > 0) === alex)
    .map((c) => `${metricLabel(c.metric)} (${pp(c.diff)} pp)`);
  const a = ahead(true);
  const w = ahead(false);
  if (!a.length && !w.length) return `No metric separates ${ALEX} from ${WILL} at this number of trials.`;
  const part = (who: string, xs: string[]) => (xs.length ? `${who} is ahead on ${xs.join(', ')}` : `${who} is ahead on nothing`);
  return `${part(ALEX, a)}; ${part(WILL, w)} (differences ${ALEX} minus ${WILL}).`;
}

/** The per-scenario table, or one line when the two are identical by construction. */
export function alexWillSection(diffs: readonly Comparison[], width: number): string[] {
  const cs = alexWill(diffs);
  if (cs.length === 0) return [];
  const out = ['', `Alex vs Will (${ALEX} minus ${WILL}, percentage points,`, '95% Newcombe interval for paired trials; ~ = holds 0):', ''];
  if (cs[0]!.byConstruction) {
    out.push(...wrap(alexWillSentence(diffs), width, '  ', '  '));
    return out;
  }
  out.push(...asciiTable(['metric', 'difference'], cs.map((c) => [metricLabel(c.metric), c.exactDiff !== undefined ? `${pp(c.exactDiff)} exact` : `${c.distinguishable ? '' : '~'}${pp(c.diff)} [${pp(c.lo)}, ${pp(c.hi)}]`]), '  ', width));
  out.push('', ...wrap(alexWillSentence(diffs), width, '  ', '  '));
  return out;
}

/** One paragraph across every scenario of the run. */
export function alexWillOverall(all: readonly Comparison[]): string {
  const scenarios = [...new Set(alexWill(all).map((c) => c.scenario))];
  if (scenarios.length === 0) return '';
  const of = (s: string) => alexWill(all).filter((c) => c.scenario === s);
  const same = scenarios.filter((s) => of(s)[0]!.byConstruction).length;
  const count = (pred: (c: Comparison) => boolean) => scenarios.filter((s) => of(s).some((c) => c.distinguishable && pred(c))).length;
  const alexSilent = count((c) => c.metric === 'silent_loss' && c.diff < 0);
  const alexLoss = count((c) => c.metric === 'data_loss' && c.diff < 0);
  const willLoss = count((c) => (c.metric === 'data_loss' || c.metric === 'silent_loss') && c.diff > 0);
  const willCrash = count((c) => c.metric === 'vm_crash' && c.diff > 0);
  const willRequests = count((c) => GOOD.has(c.metric) && c.diff < 0);
  const alexRequests = count((c) => GOOD.has(c.metric) && c.diff > 0);
  return `Alex vs Will across ${scenarios.length} scenarios: identical by construction in ${same} ` +
    `(same kernel calls and decisions in every trial). ${ALEX} loses less data in ${alexLoss} ` +
    `and less silently in ${alexSilent}; ${WILL} loses less in ${willLoss}. ` +
    `${WILL} grants more requests in ${willRequests} and ${ALEX} in ${alexRequests}; ` +
    `${ALEX} crashes more VMs in ${willCrash} (QEMU's hw_error on a refused runtime map).`;
}
