// What the model assumes and leaves out; printed in every report.
export const CAVEATS: readonly string[] = [
  'IOVA == GPA: the guest has no vIOMMU; QEMU maps every RAM section with one VFIO_IOMMU_MAP_DMA (hw/vfio/listener.c).',
  'Workload: each driver allocates its working set where its placement profile puts it (default steady-state: uniform over the RAM it believes usable when it probes, an assumption), each buffer aligned to its power-of-two size; between rounds a fraction is re-allocated. Loss counts DMA buffers; all guest RAM mapped over a live firmware DIRECT range is reported apart as exposed.',
  'How often a firmware agent (RMRR, IVMD, IORT RMR) writes its DIRECT range is not known: it is assumed to write there between any two DMA rounds, so a buffer there loses what the device wrote (unlogged) and every exposed guest page is overwritten at least once. Intel\'s ISA-bridge range [0, 16 MiB) has no firmware agent (software-imposed): a buffer there receives its DMA.',
  'Who sees a lost write: x86 MSI window, an interrupt-remapping fault in the host log; arm64 ITS doorbell (HW frame, SW_MSI page), nothing; AMD HyperTransport range, an IOMMU event in the host log (a VF failure only through erratum 1155); IOMMU translation fault, the host log; peer-to-peer into a peer\'s BAR, nothing (it corrupts that device); into a hole of the switch window, Unsupported Request and AER. A bridge window without listed BARs is taken as BARs throughout.',
  'Guest compliance with hints (boot firmware tables; a runtime message, which is hypothetical: no VMM sends one and no Linux guest reads one) is a per-scenario assumption drawn per trial from the scenario\'s guest mix. Channels that take RAM away (a virtio-mem block left unplugged, an ejected pc-dimm) need no compliance; an eject fails while a 128 MiB block holds unmovable pages (assumed 1/2 per block).',
  'Kernel eras: v4.9 and 4.11-5.3 do not enforce reserved regions; type1 >= 5.4 and iommufd do; the >= 6.6 DIRECT rule follows the host\'s kernel version.',
  'Pages are 4 KiB; reserved regions are widened to whole pages. A RESERVED range other than AMD\'s has no known log: counted unlogged.',
  'Migration keeps the guest layout and re-creates the VFIO state on the destination; a refusal there leaves the VM on the source. Downtime and dirty tracking are not modelled.',
  'After a reboot the VMM\'s firmware tables carry every range it has told the guest about; drivers allocate afresh.',
  'Not modelled here: vIOMMU guests, BAR (ram_device) peer-to-peer maps.',
];
