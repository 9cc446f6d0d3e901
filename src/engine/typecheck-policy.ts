// A .ts policy is type-checked before it is run: its first TypeScript error
// (syntax or type) is one line at its file:line:col, exit 2. `doorbell/policy`
// resolves to this package's src/policy.ts, so the policy is checked against
// the very interface the engine calls.
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { InputError } from '../errors.js';
import { packageRoot } from '../scenario/package-root.js';

export async function typeCheckPolicy(abs: string, display: string): Promise<void> {
  if (!isMainThread) return; // --jobs workers load what the main thread has checked
  let ts: typeof import('typescript');
  try {
    ts = (await import('typescript')).default;
  } catch {
    return; // no compiler: importTypeScript says so when it transpiles
  }
  const root = packageRoot();
  const api = [join(root, 'src', 'policy.ts'), join(root, 'dist', 'src', 'policy.d.ts')].find((f) => existsSync(f));
  const options: import('typescript').CompilerOptions = {
    noEmit: true, strict: true, target: ts.ScriptTarget.ES2022, lib: ['lib.es2022.d.ts'], module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler, allowImportingTsExtensions: true, skipLibCheck: true, esModuleInterop: true,
    types: existsSync(join(root, 'node_modules', '@types', 'node')) ? ['node'] : [], typeRoots: [join(root, 'node_modules', '@types')],
    ...(api ? { baseUrl: root, paths: { 'doorbell/policy': [api] } } : {}),
  };
  const program = ts.createProgram([abs], options);
  // Only the user's files: the package's own sources are checked by its build.
  const mine = (f: import('typescript').SourceFile | undefined) => f !== undefined && !relative(root, f.fileName).startsWith('src') && !f.fileName.includes('node_modules');
  const diag = ts.getPreEmitDiagnostics(program).find((d) => (d.file ? mine(d.file) : true));
  if (!diag) return;
  const text = ts.flattenDiagnosticMessageText(diag.messageText, ' ');
  const where = diag.file && diag.start !== undefined ? diag.file.getLineAndCharacterOfPosition(diag.start) : undefined;
  const file = diag.file && diag.file.fileName !== abs ? relative(process.cwd(), diag.file.fileName) : display;
  const what = `TS${diag.code}: ${text.replace(/\.$/, '')}`;
  if (!where) throw new InputError(`--policy ${display}: ${what}`, 'a policy module that type-checks (TypeScript, strict)');
  throw new InputError(what, 'a policy module that type-checks (TypeScript, strict)', { file, line: where.line + 1, col: where.character + 1 });
}
