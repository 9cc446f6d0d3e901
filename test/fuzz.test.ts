// Properties over hostile input: the scenario loader and the sysfs parser
// either accept or fail with the documented InputError, never anything else,
// and always in bounded time.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { InputError } from '../src/errors.js';
import { parseCaptureText } from '../src/import/sysfs.js';
import { parseScenario } from '../src/scenario/load.js';

const outcome = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof InputError) {
      expect(e.message.split('\n')).toHaveLength(1);
      return 'input-error';
    }
    throw e;
  }
};

const VALID = `name: t
title: t
source: s
description: d
host: { platform: p, arch: aarch64, iommu: arm-smmu-v3, kernel: "6.8", groups: [{ id: 3, regions: [{ start: 0x8000000, last: 0x80fffff, type: sw-msi }] }] }
vm: { machine: virt, ram: 4GiB }
devices: [{ name: nic0, group: 3 }]
timeline: [{ start: { devices: [nic0] } }, { hotplug: { device: nic0, chance: 0.5 } }, { dma: {} }]
`;

describe('fuzzing the scenario loader', () => {
  it('arbitrary text: loads or is an InputError', () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), (t) => void outcome(() => parseScenario(t, 'f.yaml'))), { numRuns: 400 });
  });

  it('a valid scenario with bytes changed: loads or is an InputError', () => {
    const mutate = fc.array(fc.tuple(fc.nat(VALID.length - 1), fc.constantFrom(...'{}[]:,-#&*!|>\'"0x \n\tabcz9_.'.split(''))), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(mutate, (edits) => {
        const chars = VALID.split('');
        for (const [i, c] of edits) chars[i] = c;
        outcome(() => parseScenario(chars.join(''), 'f.yaml'));
      }),
      { numRuns: 600 },
    );
  });

  it('arbitrary YAML structures under the real keys: loads or is an InputError', () => {
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.string({ maxLength: 12 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom('0xffffffffffffffff', '4GiB', '0x1_0000_0000_0000_0000', '-1'), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('start', 'last', 'size', 'type', 'id', 'groups', 'regions', 'devices', 'name', 'machine', 'ram', 'chance', 'pool'), tie('v'), { maxKeys: 4 })),
    })).v;
    const doc = fc.record({ name: value, title: value, source: value, description: value, host: value, vm: value, devices: value, timeline: value }, { requiredKeys: [] });
    fc.assert(fc.property(doc, (d) => void outcome(() => parseScenario(stringify(d), 'f.yaml'))), { numRuns: 500 });
  });

  it('finishes in bounded time on deep nesting', () => {
    const deep = 'name: ' + '['.repeat(5000) + ']'.repeat(5000) + '\n';
    const t0 = performance.now();
    expect(outcome(() => parseScenario(deep, 'deep.yaml'))).toBe('input-error');
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});

describe('fuzzing the sysfs parser', () => {
  const line = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.tuple(fc.bigInt({ min: 0n, max: (1n << 68n) }), fc.bigInt({ min: 0n, max: (1n << 68n) }), fc.constantFrom('msi', 'direct', 'direct-relaxable', 'reserved', 'bogus', '')).map(([a, b, t]) => `0x${a.toString(16).padStart(16, '0')} 0x${b.toString(16).padStart(16, '0')} ${t}`),
    fc.nat(50).map((g) => `/sys/kernel/iommu_groups/${g}/reserved_regions:0x00000000fee00000 0x00000000feefffff msi`),
    fc.constantFrom('$ cat x', 'root@h:~# grep -H . /sys/kernel/iommu_groups/*/reserved_regions', '', '   '),
  );
  it('any capture parses or is an InputError with file:line:col', () => {
    fc.assert(fc.property(fc.array(line, { maxLength: 12 }), (ls) => void outcome(() => parseCaptureText(ls.join('\n'), 'cap.txt'))), { numRuns: 1000 });
  });
});
