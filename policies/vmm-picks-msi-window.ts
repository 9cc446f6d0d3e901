// Jason Gunthorpe's answer to a kernel that moves the window: "Nicolin has
// some patches on the iommufd side to let userspace select the MSI address
// instead" (<20250918224322.GR1326709@ziepe.ca>). Nicolin Chen's v2
// (<cover.1760487869.git.nicolinc@nvidia.com>, 14 Oct 2025; patch 4/7
// <6c36de14b00a3f06df3a602f18baf6b51fde429f.1760487869.git.nicolinc@nvidia.com>)
// adds IOMMU_OPTION_SW_MSI_START/SIZE: per device, set before attach
// (EBUSY after), 1 MiB aligned (EINVAL), no wrap (EOVERFLOW), clear of the
// device's other non-relaxable regions (EADDRINUSE); the window then
// replaces IOMMU_RESV_SW_MSI and is reserved like any region
// (iopt_table_enforce_dev_resv_regions). It builds on iommufd's own sw_msi
// (merged in 6.15). The rules live in kernel/sw-msi-option.ts.
// The VMM picks the window in a hole of its own guest layout, the same on
// every host of its pool: the kernel's default when RAM and the pool's
// platform regions leave it free, else the nearest free 1 MiB-aligned MiB
// above it. Assumed: the VMM knows every host of its pool at creation (as
// firmware-reserved-hotplug's horizon=everything); the patch leaves the
// choice to the VMM.
import { definePolicy, IntervalSet, PROCEED, type LayoutRequest } from '../src/policy.js';
import type { Range } from '../src/model/addr.js';

const MiB = 1n << 20n;
const DEFAULT: Range = { start: 0x8000000n, last: 0x80fffffn };
const IOVA_SPACE: Range = { start: 0n, last: (1n << 64n) - 1n };

/** Everything the window must avoid: guest RAM (and its hotplug region) and every region other than SW_MSI it may meet. */
function taken(req: LayoutRequest): IntervalSet {
  let out = req.ram;
  for (const p of req.plan) {
    for (const g of p.groups) {
      // sysfs prints SW_MSI and HW MSI alike as `msi`: a VMM can tell only the kernel's own window by its address.
      const regions = (p.view.regions(g) ?? []).filter((r) => r.type !== 'direct-relaxable' && !(r.type === 'msi' && r.start === DEFAULT.start && r.last === DEFAULT.last));
      out = out.union(IntervalSet.from(regions));
    }
  }
  return out;
}

export function pickWindow(req: LayoutRequest): Range | undefined {
  const busy = taken(req);
  if (!busy.overlaps(DEFAULT)) return DEFAULT;
  // Nearest above the default first (what layouts already leave free), then anywhere.
  const free = IntervalSet.of(IOVA_SPACE).subtract(busy).ranges;
  for (const f of [...free.filter((r) => r.last >= DEFAULT.start), ...free.filter((r) => r.last < DEFAULT.start)]) {
    const start = ((f.start + MiB - 1n) / MiB) * MiB;
    if (start + MiB - 1n <= f.last) return { start, last: start + MiB - 1n };
  }
  return undefined;
}

export default definePolicy({
  name: 'vmm-picks-msi-window',
  position: 'the VMM sets each device\'s SW_MSI window into a hole of its own guest layout before attach (iommufd)',
  heldBy: 'Nicolin Chen (NVIDIA), suggested by Jason Gunthorpe (iommufd maintainer)',
  // Will Deacon: "Maybe we should just wait for that?" (<aM0HQ51DelZW_Rt8@willie-the-truck>, quoted in <20250919120839.GV1326709@ziepe.ca>).
  arguedAgainstBy: '',
  year: 2025,
  status: 'posted, not merged: v2 <cover.1760487869.git.nicolinc@nvidia.com> (builds on iommufd sw_msi, merged in 6.15)',
  source: 'iommufd IOMMU_OPTION_SW_MSI_START/SIZE v2 patch 4/7 <6c36de14b00a3f06df3a602f18baf6b51fde429f.1760487869.git.nicolinc@nvidia.com>',
  counterfactual: 'posted, not merged (v2, Oct 2025): no kernel has IOMMU_OPTION_SW_MSI_START/SIZE and no VMM sets it',
  params: {},
  create: () => ({
    kernel: () => 'iommufd',
    msiWindow: pickWindow,
    decide: () => PROCEED,
  }),
});
