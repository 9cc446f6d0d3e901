// `--policy ./path/to/policy.js|.mjs|.ts`: a policy module of the user's own.
// It is code and runs with the user's rights; its shape is checked on load.
// A .ts file is transpiled with the TypeScript compiler the project installs.
// Policies must be pure and deterministic: every call into the module is
// time-limited (a call that does not return is a policy-error, not a hang),
// what it returns is checked and copied, and its SHA-256 identifies it in
// run.json and in the fingerprint --resume and merge check.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { POLICIES } from '../../policies/registry.js';
import { InputError } from '../errors.js';
import type { PolicyDefinition } from '../policy.js';
import { readLimited } from '../read-limited.js';
import { guardInstance } from './policy-guard.js';
import { typeCheckPolicy } from './typecheck-policy.js';

/** A policy module's source file and SHA-256, for run.json and the fingerprint. */
export interface PolicyModuleInfo {
  readonly file: string;
  readonly sha256: string;
}

const modules = new WeakMap<object, PolicyModuleInfo>();

/** The module a definition was loaded from; undefined for a built-in. */
export function policyModuleOf(def: object): PolicyModuleInfo | undefined {
  return modules.get(def);
}

/** A policy module larger than this is refused before it is read. */
const MODULE_BYTES = 4 * 1024 * 1024;

export function looksLikePolicyPath(spec: string): boolean {
  return /[\\/]/.test(spec.split(':')[0] ?? '') || /\.(m?js|ts)(:|$)/.test(spec);
}

/** `./p.js:key=value` → path and parameter text. */
export function splitPolicySpec(spec: string): { path: string; params: string | undefined } {
  const m = /^(.*\.(?:m?js|ts)):([^/\\]*=.*)$/.exec(spec);
  return m ? { path: m[1]!, params: m[2] } : { path: spec, params: undefined };
}

export async function loadPolicyModule(path: string): Promise<PolicyDefinition<Record<string, string>>> {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new InputError(`--policy ${path}: no such file`, 'a policy module (.js, .mjs or .ts) or a built-in name');
  const source = readLimited(abs, `--policy ${path}`, 'policy module', MODULE_BYTES, 'a readable policy module');
  if (abs.endsWith('.ts')) await typeCheckPolicy(abs, path);
  let mod: Record<string, unknown>;
  try {
    mod = abs.endsWith('.ts') ? await importTypeScript(abs, source.toString('utf8')) : ((await import(pathToFileURL(abs).href)) as Record<string, unknown>);
  } catch (e) {
    throw new InputError(`--policy ${path}: the module failed to load: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`, 'a module that imports cleanly');
  }
  const def = validateDefinition(mod['default'] ?? mod['policy'], path);
  modules.set(def, { file: path, sha256: createHash('sha256').update(source).digest('hex') });
  return def;
}

function validateDefinition(def: unknown, path: string): PolicyDefinition<Record<string, string>> {
  const fail = (what: string): never => {
    throw new InputError(`--policy ${path}: ${what}`, "a default export made with definePolicy({ name, position, heldBy, source, params, create }) from 'doorbell/policy'");
  };
  if (!def || typeof def !== 'object') fail('no default export (or `policy` export)');
  const d = def as Record<string, unknown>;
  for (const k of ['name', 'position', 'heldBy', 'source'] as const) if (typeof d[k] !== 'string' || d[k] === '') fail(`'${k}' is not a non-empty string`);
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(d['name'] as string)) fail(`name '${String(d['name'])}' is not lowercase letters, digits, . _ -`);
  if (POLICIES.some((p) => p.name === d['name'])) fail(`name '${String(d['name'])}' is a built-in policy's`);
  if (typeof d['create'] !== 'function') fail("'create' is not a function");
  if (d['counterfactual'] !== undefined && typeof d['counterfactual'] !== 'string') fail("'counterfactual' is not a string ('' when the position shipped)");
  const params = d['params'] ?? {};
  if (typeof params !== 'object' || params === null) fail("'params' is not an object");
  for (const [k, p] of Object.entries(params as Record<string, unknown>)) {
    const spec = p as { values?: unknown; default?: unknown; doc?: unknown };
    if (!Array.isArray(spec.values) || !spec.values.every((v) => typeof v === 'string') || typeof spec.default !== 'string' || !spec.values.includes(spec.default)) {
      fail(`parameter '${k}' needs string 'values' and a 'default' among them`);
    }
  }
  const create = d['create'] as PolicyDefinition<Record<string, string>>['create'];
  return {
    ...(d as unknown as PolicyDefinition<Record<string, string>>),
    params: params as PolicyDefinition<Record<string, string>>['params'],
    create: (p) => guardInstance(create.bind(d), p),
  };
}

/** Transpile a .ts policy; `doorbell/policy` and relative imports are pointed at real files. */
async function importTypeScript(abs: string, text: string): Promise<Record<string, unknown>> {
  let ts: typeof import('typescript');
  try {
    ts = (await import('typescript')).default;
  } catch {
    throw new Error('a .ts policy needs the typescript package (npm ci installs it); or compile it to .js');
  }
  const js = ts.transpileModule(text, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } }).outputText;
  const policyApi = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', 'policy.js')).href;
  const rewritten = js.replace(/(from\s+|import\s*\(\s*)(['"])([^'"]+)\2/g, (all, pre: string, q: string, spec: string) => {
    if (spec === 'doorbell/policy') return `${pre}${q}${policyApi}${q}`;
    if (spec.startsWith('.')) return `${pre}${q}${pathToFileURL(resolve(dirname(abs), spec.replace(/\.ts$/, '.js'))).href}${q}`;
    return all;
  });
  const dir = mkdtempSync(join(tmpdir(), 'doorbell-policy-'));
  try {
    const file = join(dir, 'policy.mjs');
    writeFileSync(file, rewritten);
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
