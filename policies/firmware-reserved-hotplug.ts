// Ben Herrenschmidt (via Will Deacon): hotplug behind a host controller whose
// firmware tables describe the reserved regions from boot. At VM creation the
// VMM reserves the union of the regions of every group the VM may ever get,
// on every host it may migrate to, and lays RAM out around it; anything
// outside the plan falls back to the kernel's refusal. horizon=everything
// (the default) knows every group and destination the VM will ever meet, which
// no VMM can; horizon=creation knows only what the VMM is told at creation:
// the groups present plus the scenario's declared_at_creation devices, on
// the first host and the declared destinations; anything later falls back to
// the kernel. Arrived as E820 reservations (QEMU 7.1, commit 8504f129450b)
// and IORT RMR nodes.
import { PROCEED, definePolicy, visibleConflicts } from '../src/policy.js';
import { IntervalSet } from '../src/model/intervals.js';

export default definePolicy<{ horizon: string }>({
  name: 'firmware-reserved-hotplug',
  position: 'reserve every region the VM may meet in firmware tables at boot',
  heldBy: 'Ben Herrenschmidt (POWER / PCI), relayed by Will Deacon',
  arguedAgainstBy: '',
  year: 2016,
  status: 'merged in part: QEMU 7.1 (AMD HT range in E820), IORT RMR nodes',
  source: 'linux-arm-kernel, 9 Nov 2016; QEMU 7.1 AMD HT E820 reservation',
  // hw/i386/pc.c pc_memory_init (8504f129450b) reserves the AMD HT range only (vm.qemu >= 7.1 models it under every
  // policy); OpenVMM starts aarch64 Linux-direct-boot RAM at 1 GiB, clear of the SW_MSI window (openvmm 5a26d4458).
  counterfactual: 'shipped only in part (QEMU 7.1 reserves the AMD HT range in E820 and OpenVMM keeps the arm64 SW_MSI window out of guest RAM for Linux direct boot): no VMM reserves every group\'s regions at boot',
  params: {
    horizon: {
      values: ['everything', 'creation'],
      default: 'everything',
      doc: 'everything: every group and host the VM will meet (an oracle); creation: the groups present at creation and the declared_at_creation devices and hosts only',
    },
  },
  create: ({ horizon }) => ({
    kernel: () => 'type1',
    reserveAtCreation: (req) =>
      horizon === 'creation'
        ? req.declared.reduce((all, p) => all.union(visibleConflicts(p.view, p.groups) ?? IntervalSet.EMPTY), IntervalSet.EMPTY)
        : req.plan.reduce((all, p) => all.union(visibleConflicts(p.view, p.groups) ?? IntervalSet.EMPTY), IntervalSet.EMPTY),
    decide: () => PROCEED,
  }),
});
