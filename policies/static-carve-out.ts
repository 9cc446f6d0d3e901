// A VMM layout that keeps guest RAM clear of the arm SMMU's SW_MSI window
// [0x8000000, 0x80fffff] in every guest, whatever the host: OpenVMM starts
// aarch64 guest RAM at 1 GiB (microsoft/openvmm commit 5a26d4458, PR #3559,
// openvmm_core/src/worker/dispatch.rs ram_start_address), for Linux direct
// boot only (UEFI boot still starts RAM at 0, over the window: "UEFI cannot
// only boot from low memory", so under form=ram-from-1g an OpenVMM UEFI
// guest is a what-if firmware would have to follow). The cost is
// a guest ABI change: RAM moves for every guest (form=ram-from-1g, what
// ships). form=hole is the 1 MiB hole at 0x8000000 in every guest that the
// issue describes: OpenVMM does NOT ship it (PR #3465, commit f2207c5dc, is
// VFIO assignment through iommufd; no SW_MSI hole exists in its layout).
// The kernel is today's (type1, Alex's rule). Only arm64 hosts have the
// window; a window the platform moves elsewhere is not avoided.
import { PROCEED, definePolicy, IntervalSet } from '../src/policy.js';

const WINDOW = IntervalSet.of({ start: 0x8000000n, last: 0x80fffffn });
const BELOW_1G = IntervalSet.of({ start: 0n, last: 0x3fffffffn });

export default definePolicy<{ form: string }>({
  name: 'static-carve-out',
  position: 'the VMM keeps every arm64 guest\'s RAM clear of the default SW_MSI window, whatever the host (a guest ABI change)',
  heldBy: 'OpenVMM (Microsoft)',
  arguedAgainstBy: '',
  year: 2026,
  status: 'merged in OpenVMM for aarch64 Linux direct boot (5a26d4458, PR #3559: RAM from 1 GiB); UEFI boot not',
  source: 'microsoft/openvmm 5a26d4458 (PR #3559) openvmm_core/src/worker/dispatch.rs; arm-smmu-v3.h MSI_IOVA_BASE',
  counterfactual: 'shipped only by OpenVMM for aarch64 Linux direct boot (RAM from 1 GiB, 5a26d4458): no other VMM or boot path lays every guest out clear of the window',
  params: {
    form: {
      values: ['ram-from-1g', 'hole'],
      default: 'ram-from-1g',
      doc: 'ram-from-1g: no RAM below 1 GiB (what OpenVMM ships for Linux direct boot); hole: only 0x8000000-0x80fffff kept free (never shipped)',
    },
  },
  create: ({ form }) => ({
    kernel: () => 'type1',
    ...(form === 'hole' ? { counterfactual: 'never shipped: no VMM leaves a 1 MiB hole at 0x8000000 in guest RAM (OpenVMM starts RAM at 1 GiB instead)' } : {}),
    // The same for every host and group: only the guest's own RAM decides it. The whole range, so that RAM moved
    // out of it lands above it (vmm/reserve.ts layOutAround skips what is reserved).
    reserveAtCreation: (req) => {
      const keepClear = form === 'hole' ? WINDOW : BELOW_1G;
      return req.plan[0]?.view.arch === 'aarch64' && !req.ram.intersect(keepClear).isEmpty ? keepClear : IntervalSet.EMPTY;
    },
    decide: () => PROCEED,
  }),
});
