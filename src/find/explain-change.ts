// Why a change happens where it does, in one parenthesis: for vm.ram, the RAM
// section that now covers a reserved region of the scenario's groups
// ("0x40000000 + 2145 MiB covers 0xc6010000"), QEMU's layout refusal, or the
// relocation of RAM above 4 GiB.
import { formatSize, hex } from '../model/addr.js';
import { IntervalSet } from '../model/intervals.js';
import { applyPoint } from '../scenario/params.js';
import type { Scenario } from '../scenario/types.js';
import { type Layout, guestPhysBits, layoutFor } from '../vmm/layout.js';

export function whyRamChange(s: Scenario, before: string, at: string): string | undefined {
  const lay = (ram: string): Layout => {
    const vm = applyPoint(s, { 'vm.ram': ram }).vm;
    return layoutFor({ ...vm, physBits: guestPhysBits(vm.cpuModel, vm.physBits, s.host.physBits) });
  };
  const prev = lay(before);
  const now = lay(at);
  if (now.status === 'error') return now.message;
  if (prev.status === 'error') return undefined;
  const ramBefore = IntervalSet.from(prev.ram);
  const groups = new Set(s.devices.map((d) => d.group));
  const regions = s.host.groups.filter((g) => groups.has(g.id)).flatMap((g) => g.regions);
  for (const r of [...regions].sort((a, b) => (a.start < b.start ? -1 : 1))) {
    if (ramBefore.overlaps(r)) continue;
    const section = now.ram.find((x) => x.start <= r.last && r.start <= x.last);
    if (section) return `${hex(section.start)} + ${formatSize(section.last - section.start + 1n)} covers ${hex(r.start > section.start ? r.start : section.start)}`;
  }
  const top = (l: typeof now) => (l.status === 'ok' ? l.ram[l.ram.length - 1]! : undefined);
  if (top(prev) && top(now) && top(now)!.start !== top(prev)!.start) return `RAM above 4 GiB moves from ${hex(top(prev)!.start)} to ${hex(top(now)!.start)}`;
  return undefined;
}
