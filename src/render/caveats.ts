// What the model assumes and leaves out; printed in every report.
export const CAVEATS: readonly string[] = [
  'IOVA == GPA: the guest has no vIOMMU; QEMU maps every RAM section with one VFIO_IOMMU_MAP_DMA (hw/vfio/listener.c).',
  'Workload: each driver allocates its working set uniformly over the RAM it believes usable when it probes; between rounds a fraction is re-allocated. Only DMA buffers are counted: other guest data over a firmware range is not.',
  'Guest compliance with hints (boot firmware tables, runtime messages) is a per-scenario assumption drawn per trial from the scenario\'s guest mix.',
  'Kernel eras: v4.9 and 4.11-5.3 do not enforce reserved regions; type1 >= 5.4 and iommufd do; the >= 6.6 DIRECT rule follows the host\'s kernel version.',
  'Pages are 4 KiB; reserved regions are widened to whole pages. A write to a RESERVED range is counted as lost (AMD reports target aborts in the host log, which the guest never sees).',
  'Migration keeps the guest layout and re-creates the VFIO state on the destination; a refusal there leaves the VM on the source. Downtime and dirty tracking are not modelled.',
  'After a reboot the VMM\'s firmware tables carry every range it has told the guest about; drivers allocate afresh.',
  'Not modelled here: vIOMMU guests, BAR (ram_device) peer-to-peer maps.',
];
