// `doorbell conformance`: run the real stack for the chosen tiers (or read
// the committed fixtures), write the fixtures and hosts, compare, print KTAP.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { KERNEL_BOOTS } from './cases-kernel.js';
import { LAYOUT_RUNS, VMM_BOOTS } from './cases-vmm.js';
import { checksFor } from './compare.js';
import { fixtureDir } from './fixtures.js';
import { importOptions } from './model.js';
import { ktap, type NotCheckable } from './ktap.js';
import { layoutFixture } from './real-layout.js';
import { cacheDir, pool, runKernelBoot, runVmmBoot, type BootRun } from './real-run.js';
import type { Tier } from './types.js';

export const NOT_CHECKABLE: readonly NotCheckable[] = [
  { name: 'kernels before 5.4 (v4.9, 4.11-5.3: no enforcement)', why: 'no such kernel in the Debian suites this machine reaches (buster is gone); the permissive eras stay checked against the source only' },
  { name: 'HiSilicon HW MSI (SW_MSI + HW MSI in one group)', why: 'QEMU emulates no hip06/hip07 ITS erratum (acpi/arm64/iort.c, 161010801)' },
  { name: 'PCI bridge windows / peer-to-peer', why: 'not reported by any kernel since cd2c9fcf5c66 and not observable without a real switch' },
  { name: 'migration with an assigned device', why: 'needs a device with the VFIO migration uAPI; the emulated e1000e has none' },
  { name: 'iommufd', why: 'Debian kernels have CONFIG_IOMMUFD unset; see the README for what a built kernel would take' },
];

export interface ConformanceOptions {
  readonly root: string;
  readonly tiers: readonly Tier[];
  readonly fromFixtures: boolean;
  readonly jobs: number;
  /** Only boots / layout runs whose id contains this (the others' fixtures stay as they are). */
  readonly only?: string;
  readonly work: string;
  readonly timeouts: { readonly kernel: number; readonly vmm: number };
  readonly log: (line: string) => void;
}

function writeFixture(root: string, tier: Tier, name: string, text: string): void {
  mkdirSync(fixtureDir(root, tier), { recursive: true });
  writeFileSync(join(fixtureDir(root, tier), name), text);
}

const bootLine = (r: BootRun) =>
  `${r.id}: ${r.seconds.toFixed(1)} s${r.retried ? ' (booted twice)' : ''}${r.log.includes('GUEST done') ? '' : `, the guest did not finish (exit ${r.exitCode}${r.exitCode === 124 ? ', timeout' : ''})`}`;

async function realTier(o: ConformanceOptions, tier: Tier): Promise<void> {
  const t0 = Date.now();
  const picked = <T extends { id: string }>(xs: readonly T[]) => xs.filter((x) => !o.only || x.id.includes(o.only));
  if (tier === 'layout') {
    for (const run of picked(LAYOUT_RUNS)) {
      if (run.root !== 'host' && !existsSync(join(cacheDir(), `root-${run.root}`))) throw new Error(`no root-${run.root} in ${cacheDir()}: run conformance/setup.sh`);
      writeFixture(o.root, 'layout', `${run.id}.txt`, layoutFixture(run));
    }
  } else if (tier === 'kernel') {
    const boots = picked(KERNEL_BOOTS);
    const done = await pool(boots.map((b) => () => runKernelBoot(o.root, o.work, b, o.timeouts.kernel)), o.jobs);
    done.forEach(({ run, fixture }, i) => {
      const boot = boots[i]!;
      o.log(bootLine(run));
      writeFixture(o.root, 'kernel', `${boot.id}.txt`, fixture.results);
      writeFixture(o.root, 'kernel', `${boot.id}.sysfs`, fixture.sysfs);
      if (boot.hostFile && fixture.sysfs.trim()) importHost(o.root, join(fixtureDir(o.root, 'kernel'), `${boot.id}.sysfs`), boot, boot.hostFile);
    });
  } else {
    const boots = picked(VMM_BOOTS);
    const done = await pool(boots.map((b) => () => runVmmBoot(o.root, o.work, b, o.timeouts.vmm)), o.jobs);
    done.forEach(({ run, fixture }, i) => {
      o.log(bootLine(run));
      writeFixture(o.root, 'vmm', `${boots[i]!.id}.txt`, fixture.results);
      writeFixture(o.root, 'vmm', `${boots[i]!.id}.sysfs`, fixture.sysfs);
    });
  }
  o.log(`${tier} tier (real stack): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** scenarios/hosts/NAME.yaml through the importer's own command line, as a user would make it. */
function importHost(root: string, capture: string, boot: (typeof KERNEL_BOOTS)[number], name: string): void {
  const opts = importOptions(boot.facts, boot.series, '');
  const r = spawnSync(process.execPath, [join(root, 'dist', 'src', 'cli', 'main.js'), 'import', 'sysfs', relative(root, capture),
    '--out', join('scenarios', 'hosts', `${name}.yaml`), '--force', '--platform', `QEMU ${boot.iommu}${boot.rmrr ? ' with RMRRs' : ''}, Debian ${boot.series} kernel (conformance capture)`,
    '--arch', opts.arch, '--iommu', opts.iommu, '--aperture-bits', String(opts.apertureBits), '--kernel', opts.kernel], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`doorbell import sysfs ${capture}: ${r.stderr}`);
}

export async function runConformance(o: ConformanceOptions): Promise<{ text: string; ok: boolean }> {
  mkdirSync(o.work, { recursive: true });
  for (const tier of o.tiers) if (!o.fromFixtures) await realTier(o, tier);
  return ktap(o.tiers.map((tier) => ({ tier, checks: checksFor(o.root, tier) })), NOT_CHECKABLE);
}
