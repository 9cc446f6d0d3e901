// Resolves `--policy NAME[:key=value,...]` against the registry.
import { POLICIES } from '../../policies/registry.js';
import { InputError, didYouMean } from '../errors.js';
import type { PolicyDefinition, PolicyInstance } from '../policy.js';
import { type PolicyModuleInfo, loadPolicyModule, looksLikePolicyPath, policyModuleOf, splitPolicySpec } from './external-policy.js';

export interface ResolvedPolicy {
  readonly id: string;
  readonly definition: PolicyDefinition<Record<string, string>>;
  readonly params: Readonly<Record<string, string>>;
  readonly instance: PolicyInstance;
  /** Registry position, for a canonical order whatever order the flags came in. */
  readonly rank: number;
  /** A policy module's file (as given) and SHA-256; absent for a built-in. */
  readonly module?: PolicyModuleInfo;
}

export function resolvePolicy(spec: string, external?: PolicyDefinition<Record<string, string>>, externalRank = POLICIES.length): ResolvedPolicy {
  const [name = '', paramText] = external ? [external.name, splitPolicySpec(spec).params] : spec.split(':', 2);
  const builtin = POLICIES.findIndex((p) => p.name === name);
  const def = external ?? POLICIES[builtin];
  const rank = external ? externalRank : builtin;
  if (!def) {
    throw new InputError(`--policy: unknown policy '${name}'${didYouMean(name, POLICIES.map((p) => p.name))}`, `one of: ${POLICIES.map((p) => p.name).join(', ')}, or a path to a policy module`);
  }
  const params: Record<string, string> = {};
  for (const [k, spec] of Object.entries(def.params)) params[k] = spec.default;
  const given = new Set<string>();
  for (const kv of paramText ? paramText.split(',') : []) {
    const [k = '', v] = kv.split('=', 2);
    const p = def.params[k];
    if (given.has(k)) throw new InputError(`--policy ${name}: ${k} given twice`, `${k} once, e.g. ${name}:${k}=${p?.values[0] ?? ''}`);
    given.add(k);
    if (!p) throw new InputError(`--policy ${name}: unknown parameter '${k}'${didYouMean(k, Object.keys(def.params))}`, Object.keys(def.params).length ? `one of: ${Object.keys(def.params).join(', ')}` : 'no parameters');
    if (v === undefined || !p.values.includes(v)) throw new InputError(`--policy ${name}: ${k}=${v ?? ''} is not allowed`, `${k}=${p.values.join('|')}`);
    params[k] = v;
  }
  const changed = Object.keys(params).filter((k) => params[k] !== def.params[k]!.default).sort();
  const id = changed.length ? `${name}:${changed.map((k) => `${k}=${params[k]}`).join(',')}` : name;
  let made: ReturnType<typeof def.create>;
  try {
    made = def.create(params);
  } catch (e) {
    throw new InputError(`--policy ${spec}: create() threw: ${e instanceof Error ? e.message : String(e)}`, 'a create() that returns { kernel, decide }');
  }
  if (!made || typeof made.kernel !== 'function' || typeof made.decide !== 'function') {
    throw new InputError(`--policy ${spec}: create() did not return kernel() and decide()`, 'an object with kernel and decide functions');
  }
  return { id, definition: def, params, rank, instance: { ...made, id, name } };
}

/** Built-in names and module paths alike; modules are loaded (and checked) first. */
export async function resolvePolicies(specs: readonly string[]): Promise<ResolvedPolicy[]> {
  const out: ResolvedPolicy[] = [];
  const named = new Map<string, { path: string; sha256: string }>();
  for (const spec of specs) {
    if (!looksLikePolicyPath(spec)) {
      out.push(resolvePolicy(spec));
      continue;
    }
    const { path } = splitPolicySpec(spec);
    const def = await loadPolicyModule(path);
    const module = policyModuleOf(def)!;
    // Two modules of one name would share its rows: refuse, unless it is the same module again.
    const other = named.get(def.name);
    if (other && other.sha256 !== module.sha256) throw new InputError(`--policy ${path}: name '${def.name}' is also the name of ${other.path}`, 'a distinct name for each policy module');
    named.set(def.name, { path, sha256: module.sha256 });
    out.push({ ...resolvePolicy(spec, def, POLICIES.length), module });
  }
  return out;
}

export function allPolicies(): ResolvedPolicy[] {
  return POLICIES.map((p) => resolvePolicy(p.name));
}

export function canonicalOrder(policies: readonly ResolvedPolicy[]): ResolvedPolicy[] {
  const seen = new Map<string, ResolvedPolicy>();
  for (const p of policies) seen.set(p.id, p);
  return [...seen.values()].sort((a, b) => a.rank - b.rank || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The policies of a run: the flags' (or every built-in), in canonical order. */
export async function resolvePolicyList(specs: readonly string[]): Promise<ResolvedPolicy[]> {
  return canonicalOrder(specs.length ? await resolvePolicies(specs) : allPolicies());
}
