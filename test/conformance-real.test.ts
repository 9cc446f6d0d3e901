// The model against the committed captures of the real kernel and QEMU
// (test/fixtures/realstack/, written by `doorbell conformance`): no QEMU
// here. A model change that contradicts the real stack fails this suite;
// a known difference lives in src/conformance/allowlist.ts with its reason.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALLOW_LIST, allowedFor, staleEntries } from '../src/conformance/allowlist.js';
import { KERNEL_BOOTS } from '../src/conformance/cases-kernel.js';
import { checksFor, fixturesIn, kernelChecks, vmmChecks } from '../src/conformance/compare.js';
import { VMM_BOOTS } from '../src/conformance/cases-vmm.js';
import { hostFromCapture } from '../src/conformance/model.js';
import { ktap } from '../src/conformance/ktap.js';
import { TIERS } from '../src/conformance/types.js';
import { loadHostFile, readHost } from '../src/scenario/load-host.js';
import { openYaml } from '../src/scenario/cursor.js';

const root = join(import.meta.dirname, '..');

describe.each(TIERS)('%s tier against the real stack', (tier) => {
  const checks = checksFor(root, tier);
  it('every case of the typed list has a real capture', () => {
    expect(checks.filter((c) => c.skip).map((c) => c.id)).toEqual([]);
  });
  it('the model agrees with every capture, except the allow-list', () => {
    const differ = checks.filter((c) => !c.skip && c.real !== c.model && !allowedFor(c.id));
    expect(differ.map((c) => `${c.id}\n  real:  ${c.real}\n  model: ${c.model}`)).toEqual([]);
  });
  it('no allow-list entry outlives its difference', () => {
    expect(staleEntries(tier, checks).map((e) => e.pattern)).toEqual([]);
  });
});

describe('the diff can fail', () => {
  const boot = KERNEL_BOOTS.find((b) => b.id === 'intel-6.12')!;
  const read = fixturesIn(root);
  it('a capture where the MSI window maps is reported against the model (vfio_iommu_iova_dma_valid)', () => {
    const text = read('kernel', 'intel-6.12.txt')!;
    const edited = text.replace(/(CASE msi-window-exact\n(?:STEP .*\n){3}STEP map 0xfee00000 0x100000 = )-EINVAL/, '$10');
    expect(edited).not.toBe(text);
    const checks = kernelChecks((tier, name) => (name === 'intel-6.12.txt' ? edited : read(tier, name)), [boot]);
    const c = checks.find((x) => x.id === 'intel-6.12/msi-window-exact')!;
    expect(c.real).toContain('map 0xfee00000 0x100000 = 0');
    expect(c.model).toContain('map 0xfee00000 0x100000 = -EINVAL');
  });
  it('a capture with the MSI region moved makes the model disagree where the real kernel refused', () => {
    const sysfs = read('kernel', 'intel-6.12.sysfs')!.replaceAll('0x00000000fee00000 0x00000000feefffff', '0x00000000fef00000 0x00000000fef0ffff');
    const checks = kernelChecks((tier, name) => (name === 'intel-6.12.sysfs' ? sysfs : read(tier, name)), [boot]);
    expect(checks.filter((c) => c.real !== c.model).map((c) => c.id)).toContain('intel-6.12/msi-window-exact');
  });
  it('a capture made from another case list is reported, not compared as if it were this one', () => {
    const text = read('vmm', 'amd-ht-6.1-q7.2.txt')!.replace('-cpu EPYC -m 1047552M', '-cpu EPYC,phys-bits=48 -m 1047552M');
    const c = vmmChecks((tier, name) => (name === 'amd-ht-6.1-q7.2.txt' ? text : read(tier, name)), VMM_BOOTS.filter((b) => b.id === 'amd-ht-6.1-q7.2'))[0]!;
    expect(c.real).toMatch(/^captured: /);
    expect(c.real).not.toBe(c.model);
  });
  it('KTAP: an allow-listed difference is not ok # TODO with its reason and passes; a stale entry fails', () => {
    const check = { tier: 'vmm' as const, id: 'b/c', real: 'starts', model: 'start-fails' };
    const entry = { tier: 'vmm' as const, pattern: 'b/*', reason: 'a reason long enough to say why the model differs here' };
    const known = ktap([{ tier: 'vmm', checks: [check] }], [], [entry]);
    expect(known.ok).toBe(true);
    expect(known.text).toContain('not ok 1 b/c # TODO known difference: real: starts model: start-fails\n    # why: a reason');
    const stale = ktap([{ tier: 'vmm', checks: [{ ...check, model: 'starts' }] }], [], [entry]);
    expect(stale.ok).toBe(false);
    expect(stale.text).toContain('allow-list entry b/* matches no difference any more: remove it');
  });
  it('KTAP marks a difference not ok and fails the run', () => {
    const out = ktap([{ tier: 'kernel', checks: [{ tier: 'kernel', id: 'x/y', real: 'map 0x0 0x1000 = -EINVAL', model: 'map 0x0 0x1000 = 0' }] }], []);
    expect(out.ok).toBe(false);
    expect(out.text).toContain('not ok 1 x/y # real: map 0x0 0x1000 = -EINVAL model: map 0x0 0x1000 = 0');
  });
});

describe('hosts imported from the captures', () => {
  for (const boot of KERNEL_BOOTS.filter((b) => b.hostFile)) {
    it(`scenarios/hosts/${boot.hostFile}.yaml is what doorbell import sysfs makes of ${boot.id}.sysfs`, () => {
      const file = join(root, 'scenarios', 'hosts', `${boot.hostFile}.yaml`);
      const committed = loadHostFile(file, file).host;
      const capture = fixturesIn(root)('kernel', `${boot.id}.sysfs`)!;
      const imported = hostFromCapture(capture, `${boot.id}.sysfs`, boot.facts, boot.series, committed.platform).yaml;
      expect(committed).toEqual(readHost(openYaml(imported, 'imported', 'host')));
      expect(readFileSync(file, 'utf8')).toContain(`doorbell import sysfs test/fixtures/realstack/kernel/${boot.id}.sysfs`);
    });
  }
});

it('every allow-list entry says why', () => {
  for (const e of ALLOW_LIST) expect(e.reason.length).toBeGreaterThan(40);
});
