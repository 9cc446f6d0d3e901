// QEMU >= 7.1 moves an AMD guest's above-4G RAM to 1 TiB when it would reach
// the HyperTransport hole (hw/i386/pc.c pc_memory_init, 8504f129450b). An
// AMD IOMMU with HTRangeIgnore (EFR2 bit 11) translates that range, and from
// Linux 6.16 no longer reports it (94a9921e2c25; drivers/iommu/amd/iommu.c
// amd_iommu_get_resv_regions). Sairaj Kodilkar's RFC names the consequence:
// "With HTRangeIgnore: QEMU can safely place RAM immediately above 4G", but
// QEMU lays RAM out before iommufd can report EFR2
// (<20251029100152.4807-1-sarunkod@amd.com>, Limitations; posted, not
// merged). Modelled: QEMU skips the relocation where no
// host the VMM knows at creation (declared) reports the HT range for its
// groups in sysfs reserved_regions, which is readable before layout; the
// kernel enforces as merged (type1). A VM moved later to a host that
// reports the hole has RAM there (the kernel refuses the map).
import { PROCEED, definePolicy } from '../src/policy.js';

/** drivers/iommu/amd/iommu.c HT_RANGE_START: any region reaching into it counts. */
const HT_START = 0xfd00000000n;
const HT_LAST = 0xffffffffffn;

export default definePolicy({
  name: 'capability-aware-layout',
  position: 'QEMU skips the AMD 1 TiB relocation where the host reports no HT hole (HTRangeIgnore, Linux >= 6.16)',
  heldBy: 'Sairaj Kodilkar (AMD), as a question in an RFC',
  arguedAgainstBy: '',
  status: 'posted, <20251029100152.4807-1-sarunkod@amd.com> (a limitation of that RFC; no patch)',
  year: 2025,
  source: 'Linux 94a9921e2c25 (6.16); qemu/qemu 8504f129450b (7.1); <20251029100152.4807-1-sarunkod@amd.com>',
  counterfactual: 'never implemented: QEMU relocates above-4G RAM to 1 TiB on every AMD vCPU whose RAM reaches the HT hole, whatever the host IOMMU',
  params: {},
  create: () => ({
    kernel: () => 'type1',
    skipsAmdHtRelocation: (declared) =>
      declared.every(({ view, groups }) => view.arch === 'x86_64' && groups.every((g) => {
        // No reserved_regions file (before 4.11): nothing tells QEMU the hole is gone.
        const regions = view.regions(g);
        return regions !== undefined && !regions.some((r) => r.start <= HT_LAST && r.last >= HT_START);
      })),
    decide: () => PROCEED,
  }),
});
