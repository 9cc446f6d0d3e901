// Ben Herrenschmidt (via Will Deacon): hotplug behind a host controller whose
// firmware tables describe the reserved regions from boot. At VM creation the
// VMM reserves the union of the regions of every group the VM may ever get,
// on every host it may migrate to, and lays RAM out around it; anything
// outside the plan falls back to the kernel's refusal. Arrived as E820 reservations (QEMU 7.1, commit
// 8504f129450b) and IORT RMR nodes.
import { PROCEED, definePolicy, visibleConflicts } from '../src/policy.js';
import { IntervalSet } from '../src/model/intervals.js';

export default definePolicy({
  name: 'firmware-reserved-hotplug',
  position: 'reserve every region the VM may meet in firmware tables at boot',
  heldBy: 'Ben Herrenschmidt (POWER / PCI), relayed by Will Deacon',
  source: 'linux-arm-kernel, 9 Nov 2016; QEMU 7.1 AMD HT E820 reservation',
  // hw/i386/pc.c pc_memory_init (8504f129450b) reserves the AMD HT range only (vm.qemu >= 7.1 models it under every
  // policy); OpenVMM keeps the arm64 SW_MSI window out of guest RAM (domain.md section 9).
  counterfactual: 'shipped only in part (QEMU 7.1 reserves the AMD HT range in E820 and OpenVMM keeps the arm64 SW_MSI window out of guest RAM): no VMM reserves every group\'s regions at boot',
  params: {},
  create: () => ({
    kernel: () => 'type1',
    reserveAtCreation: (req) =>
      req.plan.reduce((all, p) => all.union(visibleConflicts(p.view, p.groups) ?? IntervalSet.EMPTY), IntervalSet.EMPTY),
    decide: () => PROCEED,
  }),
});
