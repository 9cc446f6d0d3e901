// Resolves `--policy NAME[:key=value,...]` against the registry.
import { POLICIES } from '../../policies/registry.js';
import { InputError, didYouMean } from '../errors.js';
import type { PolicyDefinition, PolicyInstance } from '../policy.js';

export interface ResolvedPolicy {
  readonly id: string;
  readonly definition: PolicyDefinition<Record<string, string>>;
  readonly params: Readonly<Record<string, string>>;
  readonly instance: PolicyInstance;
  /** Registry position, for a canonical order whatever order the flags came in. */
  readonly rank: number;
}

export function resolvePolicy(spec: string): ResolvedPolicy {
  const [name = '', paramText] = spec.split(':', 2);
  const rank = POLICIES.findIndex((p) => p.name === name);
  const def = POLICIES[rank];
  if (!def) {
    throw new InputError(`--policy: unknown policy '${name}'${didYouMean(name, POLICIES.map((p) => p.name))}`, `one of: ${POLICIES.map((p) => p.name).join(', ')}`);
  }
  const params: Record<string, string> = {};
  for (const [k, spec] of Object.entries(def.params)) params[k] = spec.default;
  for (const kv of paramText ? paramText.split(',') : []) {
    const [k = '', v] = kv.split('=', 2);
    const p = def.params[k];
    if (!p) throw new InputError(`--policy ${name}: unknown parameter '${k}'${didYouMean(k, Object.keys(def.params))}`, Object.keys(def.params).length ? `one of: ${Object.keys(def.params).join(', ')}` : 'no parameters');
    if (v === undefined || !p.values.includes(v)) throw new InputError(`--policy ${name}: ${k}=${v ?? ''} is not allowed`, `${k}=${p.values.join('|')}`);
    params[k] = v;
  }
  const changed = Object.keys(params).filter((k) => params[k] !== def.params[k]!.default).sort();
  const id = changed.length ? `${name}:${changed.map((k) => `${k}=${params[k]}`).join(',')}` : name;
  const made = def.create(params);
  return { id, definition: def, params, rank, instance: { ...made, id, name } };
}

export function allPolicies(): ResolvedPolicy[] {
  return POLICIES.map((p) => resolvePolicy(p.name));
}

export function canonicalOrder(policies: readonly ResolvedPolicy[]): ResolvedPolicy[] {
  const seen = new Map<string, ResolvedPolicy>();
  for (const p of policies) seen.set(p.id, p);
  return [...seen.values()].sort((a, b) => a.rank - b.rank || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
