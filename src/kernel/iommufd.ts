// iommufd ≥ v6.2 (torvalds/linux:drivers/iommu/iommufd/device.c,
// io_pagetable.c): binding checks MSI isolation; attaching a device reserves
// its regions (all but DIRECT_RELAXABLE) and everything outside the aperture
// in the IOAS; a reservation over an existing area fails with EADDRINUSE
// and is rolled back. The scenario assigns a group: each of its devices is
// bound and attached in turn, as QEMU assigns each function as its own
// vfio-pci device (an assumption; "the user should attach every device
// individually", iommufd_hw_pagetable_attach).
import type { Range } from '../model/addr.js';
import { type Host, type IommuGroup, type ReservedRegion, apertureOf, kernelAtLeast, pageSizeOf, regionsPerDevice } from '../model/host.js';
import { IntervalSet } from '../model/intervals.js';
import { claimCheck, shapeCheck } from './common.js';
import { IoPagetable } from './io-pagetable.js';
import { UNTRANSLATED, isolationCheck } from './msi.js';
import { type Container, type KernelModel, type KernelResult, type MsiSetup, OK, refused } from './types.js';

/** Who owns a reservation: one device of a group (iopt_reserve_iova's owner is idev->dev). */
interface Owner {
  readonly group: number;
  readonly device: number;
}

class IoasContainer implements Container {
  readonly era = 'iommufd' as const;
  readonly iopt = new IoPagetable();
  private groups: IommuGroup[] = [];
  private owners = new Map<number, Owner[]>();
  /** Per group, igroup->sw_msi_start's region, when its devices report one. */
  private swMsi = new Map<number, ReservedRegion>();
  /** Before 6.15: the domain's MSI cookie, taken by the first group with a SW_MSI window (iommufd_group_setup_msi). */
  private cookie: ReservedRegion | undefined;

  constructor(private readonly host: Host) {}

  attach(group: IommuGroup): KernelResult {
    const k = (v: string) => kernelAtLeast(this.host.kernel, v);
    // iommufd_device_bind: isolated MSI (from 6.3), then claiming DMA ownership (the ≥ 6.6 DIRECT rule).
    if (k('6.3')) {
      const isolated = isolationCheck(this.host, 'iommufd');
      if (isolated.status !== 'ok') return isolated;
    }
    if (k('6.6')) {
      const claim = claimCheck(this.host, group, true);
      if (claim.status !== 'ok') return claim;
    }
    // Per device from 6.6 (iommu_get_resv_regions, commit "iommufd: Keep track of each
    // device's reserved regions instead of groups"); before, each device reserved the group's list.
    const lists = k('6.6') ? regionsPerDevice(group) : regionsPerDevice(group).map(() => group.regions);
    const owners = lists.map((_, device): Owner => ({ group: group.id, device }));
    const undo = () => owners.forEach((o) => this.iopt.removeReserved(o));
    let sw: ReservedRegion | undefined;
    for (const [i, list] of lists.entries()) {
      const r = this.enforce(list, owners[i]!);
      if (r.status !== 'ok') {
        undo();
        return r.result;
      }
      sw = r.sw ?? sw;
    }
    // 6.2 checked isolation at attach (iommufd_device_setup_msi); before 6.6 Intel's RMRR EPERM comes at iommu_attach_group.
    const late = [...(k('6.3') ? [] : [isolationCheck(this.host, 'iommufd')]), ...(k('6.6') ? [] : [claimCheck(this.host, group, true)])];
    const lateRefusal = late.find((r) => r.status !== 'ok');
    if (lateRefusal) {
      undo();
      return lateRefusal;
    }
    // iopt_table_add_domain: outside the aperture is reserved by the domain.
    for (const r of apertureOf(this.host).complement().ranges) {
      if (!this.iopt.reserve(r.start, r.last, owners[0]!).ok) {
        undo();
        return refused('EADDRINUSE', 'existing area outside the domain aperture (iopt_table_add_domain)', this.iopt.areasTouching(r) ?? r);
      }
    }
    this.iopt.iovaAlignment = pageSizeOf(this.host);
    this.groups.push(group);
    this.owners.set(group.id, owners);
    if (sw) {
      this.swMsi.set(group.id, sw);
      this.cookie ??= sw;
    }
    return OK;
  }

  /**
   * iopt_table_enforce_dev_resv_regions: reserve every region but
   * DIRECT_RELAXABLE (EADDRINUSE over an area), then refuse a SW_MSI beside a
   * hardware MSI region, or two SW_MSI, with EINVAL and a kernel WARN.
   */
  private enforce(list: readonly ReservedRegion[], owner: Owner): { status: 'ok'; sw?: ReservedRegion } | { status: 'refused'; result: KernelResult } {
    const hw: ReservedRegion[] = [];
    const sw: ReservedRegion[] = [];
    for (const r of list) {
      if (r.type === 'direct-relaxable') continue;
      if (r.type === 'msi') hw.push(r);
      if (r.type === 'sw-msi') sw.push(r);
      if (!this.iopt.reserve(r.start, r.last, owner).ok) {
        return { status: 'refused', result: refused('EADDRINUSE', 'reserved IOVA overlaps an existing area (iopt_reserve_iova)', r) };
      }
    }
    if ((sw.length > 0 && hw.length > 0) || sw.length > 1) {
      const what = hw.length > 0 ? 'a SW_MSI window beside a hardware MSI region' : 'two SW_MSI windows';
      return { status: 'refused', result: refused('EINVAL', `WARN_ON: "Drivers must offer sane combinations of regions": ${what} (iopt_table_enforce_dev_resv_regions)`, hw[0] ?? sw[1]) };
    }
    return sw[0] ? { status: 'ok', sw: sw[0] } : { status: 'ok' };
  }

  detach(groupId: number): void {
    for (const o of this.owners.get(groupId) ?? []) this.iopt.removeReserved(o);
    this.owners.delete(groupId);
    this.swMsi.delete(groupId);
    this.groups = this.groups.filter((x) => x.id !== groupId);
    if (this.groups.length === 0) this.cookie = undefined;
  }

  /** From 6.15 each group's own window (iommufd_sw_msi); before, the domain's cookie. No SW_MSI: no change to the MSI message. */
  msi(groupId: number): MsiSetup {
    if (!this.swMsi.has(groupId)) return UNTRANSLATED;
    const window = kernelAtLeast(this.host.kernel, '6.15') ? this.swMsi.get(groupId)! : this.cookie!;
    return { kind: 'doorbell', window, granule: pageSizeOf(this.host) };
  }

  map(iova: Range): KernelResult {
    const shape = shapeCheck(iova, pageSizeOf(this.host));
    if (shape.status !== 'ok') return shape;
    const r = this.iopt.mapFixed(iova.start, iova.last - iova.start + 1n);
    if (r.ok) return OK;
    const region = this.groups.flatMap((g) => g.regions).find((x) => x.type !== 'direct-relaxable' && x.start <= iova.last && iova.start <= x.last);
    if (r.errno === 'EINVAL') return refused('EINVAL', 'IOVA touches a reserved range (iopt_check_iova)', region ?? iova);
    if (r.errno === 'EEXIST') return refused('EEXIST', 'IOVA touches an existing area (iopt_check_iova)', this.iopt.areasTouching(iova) ?? iova);
    return refused('EOVERFLOW', 'IOVA range wraps');
  }

  unmap(iova: Range): void {
    // QEMU unmaps whole areas it mapped; partial ranges are not asked for.
    this.iopt.unmap(iova.start, iova.last - iova.start + 1n);
  }

  mapped(): IntervalSet {
    return this.iopt.mapped();
  }

  /** IOMMU_IOAS_IOVA_RANGES. */
  validRanges(): IntervalSet {
    return IntervalSet.from(this.iopt.iovaRanges(Number.MAX_SAFE_INTEGER).ranges);
  }

  attachedGroups(): readonly number[] {
    return this.groups.map((g) => g.id);
  }
}

export function iommufdKernel(host: Host): KernelModel {
  return { era: 'iommufd', regionsVisible: true, newContainer: () => new IoasContainer(host) };
}
