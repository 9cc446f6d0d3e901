// Calls into a policy module of the user's own. Each call is time-limited
// (policy code that never returns becomes a policy-error, and the run goes
// on); what the module receives is a frozen copy, so it cannot change the
// engine's state or another policy's; what it returns is checked and
// copied, so it cannot change a decision after the engine took it.
import vm from 'node:vm';
import { U64_MAX } from '../model/addr.js';
import { IntervalSet, deepFreeze } from '../model/intervals.js';
import type { Decision, HostView, LayoutRequest, PolicyInstance, VmmRequest } from '../policy.js';

/** The longest one call into a policy module (create, kernel, reserveAtCreation, decide) may take. */
export const POLICY_CALL_LIMIT_MS = 2000;

const sandbox = vm.createContext(Object.create(null) as object);
const invoke = new vm.Script('call()', { filename: 'policy-call' });

/** `fn()`, stopped after POLICY_CALL_LIMIT_MS (vm's watchdog interrupts even an endless loop). */
export function bounded<T>(fn: () => T): T {
  (sandbox as { call?: () => T }).call = fn;
  try {
    return invoke.runInContext(sandbox, { timeout: POLICY_CALL_LIMIT_MS }) as T;
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw new Error(`did not return within ${POLICY_CALL_LIMIT_MS} ms (the limit for one call into a policy)`);
    throw e;
  } finally {
    (sandbox as { call?: unknown }).call = undefined;
  }
}

const frozenView = (view: HostView): HostView =>
  Object.freeze({ platform: view.platform, arch: view.arch, kernel: view.kernel, regions: (g: number) => {
    const r = view.regions(g);
    return r && Object.freeze(r.map((x) => Object.freeze({ ...x })));
  } });

const frozenSet = (s: IntervalSet) => deepFreeze(IntervalSet.from(s.ranges));

function frozenRequest(req: VmmRequest): VmmRequest {
  const copy: Record<string, unknown> = { ...req, ram: frozenSet(req.ram) };
  for (const k of ['groups', 'attached']) if (Array.isArray(copy[k])) copy[k] = Object.freeze([...(copy[k] as number[])]);
  if (req.phase === 'memory-hotplug') copy['added'] = Object.freeze({ ...req.added });
  return Object.freeze(copy) as unknown as VmmRequest;
}

/** An IntervalSet a module returned, checked range by range (IntervalSet.from does not check). */
function checkedSet(x: unknown, what: string): unknown {
  if (!(x instanceof IntervalSet)) return x; // the engine reports what is not an IntervalSet
  let prev: bigint | undefined;
  for (const r of x.ranges) {
    const ok = typeof r.start === 'bigint' && typeof r.last === 'bigint' && r.start >= 0n && r.start <= r.last && r.last <= U64_MAX && (prev === undefined || r.start > prev + 1n);
    if (!ok) throw new Error(`returned ${what} with an invalid range {start: ${String(r.start)}, last: ${String(r.last)}}`);
    prev = r.last;
  }
  return IntervalSet.from(x.ranges);
}

/** A well-formed decision, copied; anything else as is, for the engine to report as a policy-error. */
function snapshot(d: unknown): Decision {
  const x = d as Record<string, unknown> | null | undefined;
  if (x && x['action'] === 'abort' && typeof x['reason'] === 'string') return { action: 'abort', reason: x['reason'] };
  if (x && x['action'] === 'proceed') {
    const mapAround = checkedSet(x['mapAround'], 'mapAround');
    const tellGuest = checkedSet(x['tellGuest'], 'tellGuest');
    const tellVia = x['tellVia'];
    return { action: 'proceed', ...(mapAround !== undefined ? { mapAround } : {}), ...(tellGuest !== undefined ? { tellGuest } : {}), ...(tellVia !== undefined ? { tellVia } : {}) } as Decision;
  }
  return d as Decision;
}

type Made = Omit<PolicyInstance, 'id' | 'name'>;

/** `create(params)` of a module, and the instance it makes, behind the guards above. */
export function guardInstance(create: (p: Record<string, string>) => Made, params: Record<string, string>): Made {
  const made = bounded(() => create(params));
  if (!made || typeof made.kernel !== 'function' || typeof made.decide !== 'function') return made; // refused by resolvePolicy
  const reserve = (made as { reserveAtCreation?: unknown }).reserveAtCreation;
  const skips = (made as { skipsAmdHtRelocation?: unknown }).skipsAmdHtRelocation;
  const vIommu = (made as { vIommu?: unknown }).vIommu;
  return {
    ...(vIommu === 'smmuv3-nested' ? { vIommu } : {}),
    kernel: (view) => bounded(() => made.kernel(frozenView(view))),
    ...(typeof skips === 'function' ? {
      skipsAmdHtRelocation: (declared: LayoutRequest['declared']) =>
        bounded(() => skips.call(made, Object.freeze(declared.map((p) => Object.freeze({ view: frozenView(p.view), groups: Object.freeze([...p.groups]) })))) === true),
    } : {}),
    ...(reserve === undefined ? {} : {
      reserveAtCreation: (req: LayoutRequest) => {
        if (typeof reserve !== 'function') throw new Error('reserveAtCreation is not a function');
        const frozen = (list: LayoutRequest['plan']) => Object.freeze(list.map((p) => Object.freeze({ view: frozenView(p.view), groups: Object.freeze([...p.groups]) })));
        const frozenReq = Object.freeze({ ram: req.ram, plan: frozen(req.plan), coldGroups: Object.freeze([...req.coldGroups]), declared: frozen(req.declared) });
        return bounded(() => checkedSet(reserve.call(made, frozenReq), 'reserveAtCreation')) as IntervalSet;
      },
    }),
    decide: (req, view) => bounded(() => snapshot(made.decide(frozenRequest(req), frozenView(view)))),
  };
}
