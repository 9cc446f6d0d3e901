// Baseline: the world of the November 2016 thread. Kernel v4.9 maps whatever
// it is asked and exports no reserved regions; QEMU maps all guest RAM.
// Source: torvalds/linux v4.9 drivers/vfio/vfio_iommu_type1.c (vfio_dma_do_map).
import { PROCEED, definePolicy } from '../src/policy.js';

export default definePolicy({
  name: 'no-checks-2016',
  position: 'nobody checks: v4.9 maps anything, QEMU maps all RAM',
  heldBy: 'baseline (state of the art in Nov 2016)',
  arguedAgainstBy: 'everyone in the thread',
  year: 2016,
  status: 'merged: Linux up to 5.3',
  source: 'torvalds/linux v4.9:drivers/vfio/vfio_iommu_type1.c',
  // Shipped: v4.9 with the QEMU of its day. Rows on a newer host kernel are labelled by the engine.
  counterfactual: '',
  params: {},
  create: () => ({
    kernel: () => 'v4.9',
    decide: () => PROCEED,
  }),
});
