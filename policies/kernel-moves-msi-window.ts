// Will Deacon on Shyam Saini's "arm-smmu: select suitable MSI IOVA" v4
// (<20250909154600.910110-1-shyamsaini@linux.microsoft.com>): "why not
// allocate the base address dynamically if we detect a collision"
// (<aMw4I0AjKNPY6SOw@willie-the-truck>; the same answer he gave Broadcom's
// module parameter in 2020, <20200921204545.GA3811@willie-the-truck>).
// Modelled as posted: the kernel takes MSI_IOVA_BASE 0x8000000 unless it
// intersects another reserved region of the device, then MSI_IOVA_BASE2
// 0xa0000000 (kernel/sw-msi-option.ts kernelMovedList) — per host, so
// hosts of one pool can give one guest different windows. VFIO type1
// enforces the result (Alex's rule, 5.4). Jason Gunthorpe's objection: the
// window is uAPI and "randomly picking an address ... would almost certainly
// unpredictably break qemu" (<20250918224322.GR1326709@ziepe.ca>); his
// fallback, VFIO refusing the device (<20250919120839.GV1326709@ziepe.ca>),
// is kernel-rejects. Will Deacon's next reply leaned towards waiting for the
// userspace choice instead ("Maybe we should just wait for that? Carrying a
// temporary hack with ABI implications ... isn't particularly compelling",
// <aM0HQ51DelZW_Rt8@willie-the-truck>): vmm-picks-msi-window.
import { PROCEED, definePolicy } from '../src/policy.js';

export default definePolicy({
  name: 'kernel-moves-msi-window',
  position: 'the kernel moves the SW_MSI window per host when 0x8000000 collides with a platform region; VFIO enforces it',
  heldBy: 'Will Deacon (arm64 / SMMU maintainer), on Shyam Saini\'s (Microsoft) series',
  arguedAgainstBy: 'Jason Gunthorpe (<20250918224322.GR1326709@ziepe.ca>: the window is uAPI; VFIO should refuse the device)',
  year: 2025,
  status: 'posted, not merged: "arm-smmu: select suitable MSI IOVA" v4 <20250909154600.910110-1-shyamsaini@linux.microsoft.com>',
  source: 'linux-iommu, Sep 2025: <20250909154600.910110-4-shyamsaini@linux.microsoft.com>, <aMw4I0AjKNPY6SOw@willie-the-truck>',
  counterfactual: 'posted, not merged (v4, Sep 2025): every arm-smmu kernel reserves the SW_MSI window at 0x8000000 whatever the platform',
  params: {},
  create: () => ({
    kernel: () => 'type1',
    kernelMovesMsiWindow: true,
    decide: () => PROCEED,
  }),
});
