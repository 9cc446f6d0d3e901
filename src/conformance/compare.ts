// Real against model, case by case, from the fixtures alone (no QEMU here):
// `npm test` and `doorbell conformance` share this.
import { KERNEL_BOOTS } from './cases-kernel.js';
import { LAYOUT_RUNS, VMM_BOOTS } from './cases-vmm.js';
import { parseKernelFixture, parseLayoutFixture, parseVmmFixture, readFixture, type RealLayout, type RealVmmCase } from './fixtures.js';
import { invocationText, probeLine } from './real-guest.js';
import { layoutInvocation } from './real-layout.js';
import { hostFromCapture, kernelCaseModel, layoutModel, vmmModel, type LayoutAnswer } from './model.js';
import { QEMU_OF_ROOT, type KernelBoot, type LayoutRun, type Tier, type VmmBoot, type VmmCase } from './types.js';

export interface Check {
  readonly tier: Tier;
  /** "boot/case" */
  readonly id: string;
  readonly real: string;
  readonly model: string;
  /** Set when the case could not be compared, with the reason. */
  readonly skip?: string;
}

const platform = (b: KernelBoot | VmmBoot) => `QEMU-emulated ${b.iommu} IOMMU, Debian ${b.series} kernel (doorbell conformance)`;
/** Reads a fixture by tier and file name; tests pass edited ones. */
export type FixtureReader = (tier: Tier, name: string) => string | undefined;
export const fixturesIn = (root: string): FixtureReader => (tier, name) => readFixture(root, tier, name);

const hostOf = (read: FixtureReader, tier: Tier, b: KernelBoot | VmmBoot) => {
  const capture = read(tier, `${b.id}.sysfs`);
  return capture?.trim() ? hostFromCapture(capture, `test/fixtures/realstack/${tier}/${b.id}.sysfs`, b.facts, b.series, platform(b)) : undefined;
};

export function kernelChecks(read: FixtureReader, boots: readonly KernelBoot[] = KERNEL_BOOTS): Check[] {
  return boots.flatMap((boot) => {
    const text = read('kernel', `${boot.id}.txt`);
    const host = hostOf(read, 'kernel', boot);
    const real = text ? parseKernelFixture(text) : undefined;
    return boot.cases.map((c): Check => {
      const id = `${boot.id}/${c.name}`;
      const rc = real?.cases.find((x) => x.name === c.name);
      if (!host || !real || !rc) return { tier: 'kernel', id, real: '(no capture)', model: '', skip: 'no real capture: run `doorbell conformance --tier kernel`' };
      // The capture must be of this case list: same steps, in order (else: run the tier again).
      const asked = c.steps.map((s) => probeLine(s).replace(/@(\w+)/, (_, t: string) => String(real.targets.get(t))));
      const ran = rc.steps.map((s) => s.command);
      if (ran.join('\n') !== asked.join('\n')) return { tier: 'kernel', id, real: `captured steps: ${ran.join('; ')}`, model: `case list steps: ${asked.join('; ')}` };
      const model = kernelCaseModel(host.host, (t) => real.targets.get(t), c.steps);
      const realOut: string[] = [];
      const modelOut: string[] = [];
      let attachReal = '0';
      c.steps.forEach((s, i) => {
        const r = rc.steps[i]!;
        const m = model[i]!;
        if (s.op === 'group' && r.result !== '0') attachReal = r.result;
        if (typeof m !== 'string') return;
        if (s.op === 'iommu') {
          const first = attachReal !== '0' ? attachReal : r.result;
          realOut.push(`attach = ${first}`);
          modelOut.push(`attach = ${m}`);
        } else if (s.op === 'info') {
          realOut.push(`info = ${r.ranges.join(' ') || '(none)'}`);
          modelOut.push(`info = ${m}`);
        } else {
          realOut.push(`${r.command} = ${r.result}`);
          modelOut.push(`${r.command} = ${m}`);
        }
      });
      return { tier: 'kernel', id, real: realOut.join('; '), model: modelOut.join('; ') };
    });
  });
}

const hexs = (a: bigint, b: bigint) => `0x${a.toString(16)}-0x${b.toString(16)}`;
const FOUR_GiB = 1n << 32n;
/** A probe's answer in parts compared separately: exit, RAM below / above 4 GiB, where the DIMM went. */
type LayoutParts = Partial<Record<'exit' | 'ram<4G' | 'ram>=4G' | 'dimm', string>>;

/** The DIMM's backend is "mem1" (real-layout.ts); every other ram section is boot RAM. */
function realLayoutParts(r: RealLayout, dimm: boolean): LayoutParts {
  const exit = r.errors.find((e) => /phys-bits too low/.test(e));
  if (exit) return { exit: exit.replace(/^qemu-system-\S+: /, '') };
  if (r.errors.length && !r.sections.length) return { exit: `error: ${r.errors.join(' | ')}` };
  const ram = r.sections.filter((s) => s.kind === 'ram' && s.region !== 'mem1');
  const d = r.sections.find((s) => s.region === 'mem1');
  return split(ram.map((s) => [s.start, s.last] as const), dimm ? (d ? `0x${d.start.toString(16)}` : '(none)') : undefined);
}

function split(ram: ReadonlyArray<readonly [bigint, bigint]>, dimm: string | undefined): LayoutParts {
  const text = (xs: typeof ram) => xs.map(([a, b]) => hexs(a, b)).join(' ') || '(none)';
  return {
    'ram<4G': text(ram.filter(([a]) => a < FOUR_GiB)), 'ram>=4G': text(ram.filter(([a]) => a >= FOUR_GiB)),
    ...(dimm !== undefined ? { dimm } : {}),
  };
}

function modelLayoutParts(a: LayoutAnswer): LayoutParts {
  if ('exit' in a) return { exit: a.exit };
  return split(a.ram.map((x) => x.split('-').map((v) => BigInt(v)) as unknown as readonly [bigint, bigint]), a.dimm);
}

export function layoutChecks(read: FixtureReader, runs: readonly LayoutRun[] = LAYOUT_RUNS): Check[] {
  return runs.flatMap((run) => {
    const text = read('layout', `${run.id}.txt`);
    const real = text ? parseLayoutFixture(text) : [];
    return run.cases.flatMap((c): Check[] => {
      const id = `${run.id}/${c.name}`;
      const r = real.find((x) => x.name === c.name);
      if (!r) return [{ tier: 'layout', id, real: '(no capture)', model: '', skip: 'no real capture: run `doorbell conformance --tier layout`' }];
      if (r.args !== layoutInvocation(run, c)) return [{ tier: 'layout', id, real: `captured: ${r.args}`, model: `case list: ${layoutInvocation(run, c)}` }];
      const rp = realLayoutParts(r, c.dimmMiB !== undefined);
      const mp = modelLayoutParts(layoutModel(c, QEMU_OF_ROOT[run.root]));
      const keys = (['exit', 'ram<4G', 'ram>=4G', 'dimm'] as const).filter((k) => k in rp || k in mp);
      return keys.map((k) => ({ tier: 'layout', id: `${id}/${k}`, real: rp[k] ?? '(none)', model: mp[k] ?? '(none)' }));
    });
  });
}

const ERRNO: Record<string, string> = { '-22': '-EINVAL', '-1': '-EPERM', '-17': '-EEXIST', '-28': '-ENOSPC', '-12': '-ENOMEM' };
const failingMap = (text: string) => {
  const m = /dma_map\(\*, (0x[0-9a-f]+), (0x[0-9a-f]+), \*\) = (-\d+)/.exec(text);
  return m ? `map ${m[1]}+${m[2]} = ${ERRNO[m[3]!] ?? m[3]}` : undefined;
};

/** The outcome QEMU showed: what it printed, read the way a user would. */
export function realVmmOutcome(c: VmmCase, r: RealVmmCase): { outcome: string; detail: string } {
  const all = [...r.errors, ...r.qmpErrors].join('\n');
  const exit = r.errors.find((e) => /phys-bits too low/.test(e));
  if (exit) return { outcome: 'qemu-exits', detail: exit.replace(/^qemu-system-\S+: /, '') };
  const alive = r.status === 'prelaunch';
  if (c.phase === 'dimm') {
    const dimm = r.ram.length ? `dimm at ${r.ram[r.ram.length - 1]!.split(' ')[0]}` : 'dimm at ?';
    if (/hardware error: vfio: DMA mapping failed/.test(all)) return { outcome: 'vm-aborts', detail: dimm };
    return alive && !r.qmpErrors.length ? { outcome: 'ram-added', detail: dimm } : { outcome: 'unknown', detail: all || `status ${r.status}` };
  }
  if (c.phase === 'hotplug') {
    if (!alive) return { outcome: r.errors.length ? 'start-fails' : 'vm-died', detail: failingMap(all) ?? all };
    return r.qmpErrors.length ? { outcome: 'hotplug-refused', detail: failingMap(all) ?? r.qmpErrors.join(' | ') } : { outcome: 'hotplug-ok', detail: '' };
  }
  if (alive && !r.errors.length) return { outcome: 'starts', detail: '' };
  return { outcome: alive ? 'unknown' : 'start-fails', detail: failingMap(all) ?? all };
}

const outcomeText = (o: { outcome: string; detail: string }) => (o.detail ? `${o.outcome}: ${o.detail}` : o.outcome);

export function vmmChecks(read: FixtureReader, boots: readonly VmmBoot[] = VMM_BOOTS): Check[] {
  return boots.flatMap((boot) => {
    const text = read('vmm', `${boot.id}.txt`);
    const host = hostOf(read, 'vmm', boot);
    const real = text ? parseVmmFixture(text) : undefined;
    const group = real?.targets.get('nic');
    return boot.cases.map((c): Check => {
      const id = `${boot.id}/${c.name}`;
      const r = real?.cases.find((x) => x.name === c.name);
      if (!host || !r || group === undefined || r.status === 'not-run') return { tier: 'vmm', id, real: '(no capture)', model: '', skip: 'no real capture: run `doorbell conformance --tier vmm`' };
      if (r.args !== invocationText(c)) return { tier: 'vmm', id, real: `captured: ${r.args}`, model: `case list: ${invocationText(c)}` };
      return { tier: 'vmm', id, real: outcomeText(realVmmOutcome(c, r)), model: outcomeText(vmmModel(host.yaml, group, c, QEMU_OF_ROOT[boot.root])) };
    });
  });
}

export function checksFor(root: string, tier: Tier): Check[] {
  const read = fixturesIn(root);
  return tier === 'kernel' ? kernelChecks(read) : tier === 'layout' ? layoutChecks(read) : vmmChecks(read);
}
