// A runtime message telling an IOVA == GPA guest "do not DMA into this RAM":
// what Christoffer Dall sketched in 2016 (seed mail). No VMM sends one and
// no Linux interface receives one: hypothetical, labelled so everywhere.
// A guest that honours it (guests: honours: [runtime]) keeps every later
// allocation off the ranges, whole pages; buffers it already has stay.
import { roundOut } from '../../vmm/layout.js';
import type { HintChannel } from './channel.js';

export const runtimeMessage: HintChannel = {
  name: 'runtime-message',
  status: 'hypothetical',
  sources: ['linux-arm-kernel, 9 Nov 2016 (Christoffer Dall): no implementation'],
  assumption: 'hypothetical: a guest that honours it never allocates there again; none exists',
  guestHonours: 'runtime',
  offer: (req) => ({ taken: roundOut(req.ranges), failChance: 0 }),
};
