// What would make every trial of a scenario error, checked at load against
// the guest's RAM as its machine lays it out at start (vmm/layout.ts), so that
// `validate` refuses what `run` cannot run. A layout QEMU itself refuses (the
// phys-bits exit) is a result, not an input error: then nothing is checked.
import { formatRange, formatSize } from '../model/addr.js';
import { IntervalSet } from '../model/intervals.js';
import { guestArch } from '../engine/guest.js';
import { placementFor } from '../guest/placement/build.js';
import { hotplugMemoryOf } from '../vmm/device-memory.js';
import { guestPhysBits, layoutFor } from '../vmm/layout.js';
import type { Cursor } from './cursor.js';
import type { Scenario } from './types.js';

export function checkAgainstLayout(s: Scenario, timeline: Cursor, devices: Cursor): void {
  const vm = s.vm;
  const layout = layoutFor({ ...vm, physBits: guestPhysBits(vm.cpuModel, vm.physBits, s.host.physBits), hotplugMemory: hotplugMemoryOf(s.timeline) });
  if (layout.status === 'error') return;
  let ram = IntervalSet.from(layout.ram);
  // A memory device over RAM: the engine (trial-run.ts memoryHotplug) cannot place it, and QEMU never
  // plugs one there (qemu/qemu:hw/mem/memory-device.c memory_device_get_free_addr: an addr= outside the
  // device-memory region is "can't add memory device [...], usable range for memory devices [...]").
  const events = timeline.seq();
  s.timeline.forEach((ev, i) => {
    if (ev.kind !== 'memory-hotplug' || ev.at === undefined) return;
    const added = { start: ev.at, last: ev.at + ev.size - 1n };
    if (ram.overlaps(added)) {
      const at = events[i]!.map(['memory-hotplug']).get('memory-hotplug')!.map(['kind', 'size', 'at', 'chance']).get('at')!;
      at.fail(`memory-hotplug ${formatRange(added)} overlaps guest RAM ${ram.ranges.map(formatRange).join(' ')}`, 'an address outside guest RAM and earlier memory devices');
    }
    ram = ram.union(IntervalSet.of(added));
  });
  // A working set whose buffers fit in no usable RAM range: the driver's probe fails in every trial (engine/guest.ts probe).
  const usable = IntervalSet.from(layout.ram).subtract(IntervalSet.from(layout.firmwareReserved));
  const arch = guestArch(s);
  devices.seq().forEach((dc, i) => {
    const d = s.devices[i]!;
    const w = d.workload;
    const place = placementFor(usable, { arch, buffers: w.buffers, pages: Number(w.bufferBytes / 4096n), profile: w.placement, alignment: w.alignment, lowBias: w.lowBias });
    if (place.density.length > 0) return;
    const f = dc.map(['name', 'group', 'workload']);
    const wf = f.get('workload')?.present ? f.get('workload')!.map(['preset', 'buffers', 'buffer_size', 'low_bias', 'placement', 'alignment']) : undefined;
    const largest = usable.ranges.reduce((m, r) => (r.last - r.start + 1n > m ? r.last - r.start + 1n : m), 0n);
    (wf?.get('buffer_size') ?? wf?.get('placement') ?? dc).fail(
      `device '${d.name}': no guest RAM range fits a ${formatSize(w.bufferBytes)} buffer (placement ${w.placement}, alignment ${w.alignment})`,
      `a buffer_size that fits the guest's usable RAM at start (largest range ${formatSize(largest)})`,
    );
  });
}
