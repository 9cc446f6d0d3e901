// Runs the real stack: test guests through conformance/boot.sh (kernel and
// VMM tiers), two at a time by default, each with its own timeout.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { kernelFixture, kernelScript, probeInput, vmmFixture, vmmScript } from './real-guest.js';
import type { KernelBoot, VmmBoot } from './types.js';

export function cacheDir(): string {
  return process.env.DOORBELL_CONFORMANCE_CACHE ?? join(homedir(), '.cache', 'doorbell-conformance');
}

export interface BootRun {
  readonly id: string;
  readonly seconds: number;
  readonly exitCode: number;
  readonly log: string;
  readonly retried?: boolean;
}

/**
 * One boot; retried once when the guest did not get to the end of its script
 * (TCG on a loaded machine: a boot can miss a timer check or its timeout).
 */
async function runBoot(root: string, work: string, id: string, args: string[], env: Record<string, string>, timeout: number): Promise<BootRun> {
  const first = await bootOnce(root, work, id, args, env, timeout);
  if (first.log.includes('GUEST done')) return first;
  const second = await bootOnce(root, work, id, args, env, timeout);
  return { ...second, seconds: first.seconds + second.seconds, retried: true };
}

function bootOnce(root: string, work: string, id: string, args: string[], env: Record<string, string>, timeout: number): Promise<BootRun> {
  const log = join(work, `${id}.serial.log`);
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const child = spawn(join(root, 'conformance', 'boot.sh'), [...args.slice(0, 4), args[4]!, log, String(timeout), ...args.slice(5)], {
      stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DOORBELL_CONFORMANCE_CACHE: cacheDir(), ...env },
    });
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      let text = '';
      try { text = readFileSync(log, 'utf8'); } catch { /* no log: boot.sh failed early */ }
      resolve({ id, seconds, exitCode: code ?? -1, log: text });
    });
  });
}

function share(work: string, id: string, root: string, script: string, files: Record<string, string>): string {
  const dir = join(work, id);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(root, 'conformance', 'guest', 'lib.sh'), join(dir, 'lib.sh'));
  writeFileSync(join(dir, 'run.sh'), script);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const ARCH = { intel: 'x86_64', amd: 'x86_64', smmuv3: 'aarch64', 'smmuv3-gicv2': 'aarch64' } as const;

export async function runKernelBoot(root: string, work: string, boot: KernelBoot, timeout: number) {
  const dir = share(work, boot.id, root, kernelScript(boot), { 'cases.txt': probeInput(boot) });
  const extra = boot.rmrr ? ['-device', 'qemu-xhci,addr=0x5'] : [];
  const run = await runBoot(root, work, boot.id, [ARCH[boot.iommu], boot.series, boot.iommu, dir, boot.mem, ...extra], boot.rmrr ? { BOOT_RMRR: '1' } : {}, timeout);
  return { run, fixture: kernelFixture(boot, run.log) };
}

export async function runVmmBoot(root: string, work: string, boot: VmmBoot, timeout: number) {
  const { script, files } = vmmScript(boot);
  const dir = share(work, boot.id, root, script, files);
  const env: Record<string, string> = boot.root === 'host' ? { BOOT_USR: '/usr' } : { BOOT_ROOT: join(cacheDir(), `root-${boot.root}`) };
  const run = await runBoot(root, work, boot.id, [ARCH[boot.iommu], boot.series, boot.iommu, dir, boot.mem], env, timeout);
  return { run, fixture: vmmFixture(boot, run.log) };
}

/** Runs `tasks` with at most `jobs` at once; results in the tasks' order. */
export async function pool<T>(tasks: ReadonlyArray<() => Promise<T>>, jobs: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, tasks.length)) }, worker));
  return out;
}
