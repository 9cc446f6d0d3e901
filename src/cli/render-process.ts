// Renders a run's reports and charts in a child process (render-child.ts),
// killed at once when the run is stopped.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';
import { Interrupted } from '../engine/study.js';

type Reply = { files: Array<[string, string | Uint8Array]> } | { error: string; input?: Pick<InputError, 'what' | 'expected' | 'where'> };

export async function renderInChild(data: ReadonlyMap<string, string>, signal: AbortSignal): Promise<Map<string, string | Buffer>> {
  if (signal.aborted) throw new Interrupted('interrupted');
  const child = fork(fileURLToPath(new URL('./render-child.js', import.meta.url)), [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + String(d)).slice(-4000)));
  let onAbort: (() => void) | undefined;
  try {
    return await new Promise<Map<string, string | Buffer>>((resolve, reject) => {
      onAbort = () => reject(new Interrupted('interrupted'));
      signal.addEventListener('abort', onAbort, { once: true });
      child.on('message', (m: Reply) => {
        if ('files' in m) resolve(new Map(m.files.map(([k, v]) => [k, typeof v === 'string' ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength)])));
        else reject(m.input ? new InputError(m.input.what, m.input.expected, m.input.where) : new Error(`rendering failed: ${m.error}`));
      });
      child.on('error', reject);
      child.on('exit', (code, sig) => reject(new Error(`the renderer stopped (${sig ?? `exit code ${code}`}) ${stderr.trim().split('\n').slice(-3).join(' | ')}`)));
      child.send({ data: [...data] });
    });
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
    child.kill('SIGKILL');
  }
}
