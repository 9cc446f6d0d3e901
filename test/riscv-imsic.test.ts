// RISC-V IOMMU interrupt remapping as proposed: Andrew Jones' irqbypass RFC
// v2 <20250920203851.2205115-20-ajones@ventanamicro.com>, patch 05/18
// (riscv_iommu_ir_get_resv_regions) reports each IMSIC group as a hardware
// MSI region, 2^(hart_index_bits + guest_index_bits + 12) bytes long.
import { describe, expect, it } from 'vitest';
import { findGroup } from '../src/model/host.js';
import { resolveScenario } from '../src/scenario/builtin.js';
import { parseScenario } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/types.js';
import { over, trial } from './helpers/scenarios.js';

/** The RFC's region for IMSIC group `group` (riscv_iommu_ir_get_resv_regions). */
function imsicGroupRegion(base: bigint, group: bigint, groupShift: bigint, hartBits: bigint, guestBits: bigint) {
  const start = base | (group << groupShift);
  return { start, last: start + (1n << (hartBits + guestBits + 12n)) - 1n, type: 'msi' as const };
}

const s = resolveScenario('riscv-imsic-msi-x86-guest');
const withRegion = (sc: Scenario, last: bigint): Scenario => {
  const g = findGroup(sc.host, 3);
  return { ...sc, host: { ...sc.host, groups: [{ ...g, regions: [{ start: 0x28000000n, last, type: 'msi' }] }] } };
};

describe('riscv-imsic-msi-x86-guest: the IMSIC range of a QEMU-virt-like RISC-V host as the RFC reports it', () => {
  it('the host file holds the RFC\'s region for 8 harts x 7 guest files (3 + 3 + 12 bits: 256 KiB at VIRT_IMSIC_S)', () => {
    expect(s.host).toMatchObject({ arch: 'riscv64', iommu: 'riscv', apertureBits: 47 });
    expect(findGroup(s.host, 3).regions).toEqual([imsicGroupRegion(0x28000000n, 0n, 24n, 3n, 3n)]);
    expect(s.counterfactual).toMatch(/proposed/);
  });

  it('type1 refuses the emulated q35 guest\'s low RAM over it: the VM does not start', () => {
    const lines: string[] = [];
    expect(trial(s, 'kernel-rejects', 0, lines)).toMatchObject({ vmStarted: false, startFailure: 'kernel' });
    expect(lines.join('\n')).toMatch(/= -EINVAL: \[0x28000000-0x2803ffff\] msi/);
  });

  it('a 512 MiB q35 guest ends below 0x28000000 and starts', () => {
    expect(trial({ ...s, vm: { ...s.vm, ram: 512n << 20n } }, 'kernel-rejects')).toMatchObject({ vmStarted: true, lostOps: 0 });
  });

  it('a RISC-V virt guest (RAM from VIRT_DRAM 0x80000000) never meets it', () => {
    const virt = parseScenario(`
name: riscv-virt-guest
title: t
source: qemu hw/riscv/virt.c VIRT_DRAM
description: d
host: builtin:riscv-iommu-imsic-rfc
vm: { machine: explicit, ranges: [{ start: 0x80000000, size: 2GiB }] }
devices: [{ name: nic0, group: 3 }]
timeline: [{ start: { devices: [nic0] } }, { dma: {} }]
`, 'riscv-virt-guest.yaml');
    expect(trial(virt, 'kernel-rejects')).toMatchObject({ vmStarted: true, lostOps: 0, refusedCalls: 0 });
  });

  it('the cost grows with harts x guest files: guest-avoids-range gives up 256 KiB here, 16 MiB with 64 harts x 63 guest files', () => {
    expect(trial(s, 'guest-avoids-range')).toMatchObject({ vmStarted: true, ramUnusableBytes: 256n << 10n });
    const big = imsicGroupRegion(0x28000000n, 0n, 24n, 6n, 6n);
    expect(big.last).toBe(0x28ffffffn);
    expect(trial(withRegion(s, big.last), 'guest-avoids-range')).toMatchObject({ vmStarted: true, ramUnusableBytes: 16n << 20n });
  });

  it('without enforcement (the 2016 baseline) a DMA into the range is lost as an interrupt write, unlogged', () => {
    expect(over(s, 'no-checks-2016', 100, (m) => m.lostBytesBy.msi)).toBeGreaterThan(0);
    expect(over(s, 'no-checks-2016', 100, (m) => m.lostBytesByVisibility.host_logged)).toBe(0);
  });

  it('page_size other than 4 KiB on riscv64 is one line (PAGE_SHIFT 12)', () => {
    let message = '';
    try {
      parseScenario(`
name: t
title: t
source: s
description: d
host: { platform: p, arch: riscv64, iommu: riscv, kernel: "6.17", page_size: 16KiB, groups: [{ id: 3 }] }
vm: { machine: q35, ram: 1GiB }
devices: [{ name: nic0, group: 3 }]
timeline: [{ start: { devices: [nic0] } }]
`, 'bad.yaml');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^bad\.yaml:\d+:\d+: .*page_size 16 KiB on riscv64 — 4KiB on riscv64$/);
  });
});
