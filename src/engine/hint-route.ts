// Which channel carries a policy's tellGuest (src/guest/channels/), and what
// happens when none can: a policy that accepts only channels that exist
// (tellVia: 'existing') has its request aborted by the VMM, with the reason
// each channel gave. The engine owns this: the policy only decided.
import { formatRange } from '../model/addr.js';
import { IntervalSet } from '../model/intervals.js';
import type { Decision } from '../policy.js';
import { type ChannelRequest, type HintChannel, channelLabel } from '../guest/channels/channel.js';
import { HINT_CHANNELS } from '../guest/channels/registry.js';

export interface Routed {
  readonly decision: Decision;
  /** The channel that carried the ranges, and what it took from the guest. */
  readonly via?: { readonly channel: HintChannel; readonly taken: IntervalSet; readonly iovaAvoided?: IntervalSet };
  /** tellVia named one channel and it could not carry the ranges: the VMM mapped as if it had not looked, and why. */
  readonly unreached?: string;
  /** A channel the guest refused (an eject that failed), if one did. */
  readonly refused?: string;
}

/** `fails(p)`: a declared draw, true with probability p (the same in every trial mode). */
export function routeHint(d: Decision, req: Omit<ChannelRequest, 'ranges'>, fails: (p: number) => boolean): Routed {
  if (d.action !== 'proceed' || !d.tellGuest || d.tellGuest.isEmpty) return { decision: d };
  const existingOnly = d.tellVia === 'existing';
  const only = d.tellVia !== undefined && d.tellVia !== 'existing' && d.tellVia !== 'any' ? d.tellVia : undefined;
  const why: string[] = [];
  let refused: string | undefined;
  for (const channel of HINT_CHANNELS) {
    if (existingOnly && channel.status !== 'exists') continue;
    if (only ? channel.name !== only : channel.namedOnly) continue;
    const offer = channel.offer({ ...req, ranges: d.tellGuest });
    if (typeof offer === 'string') {
      why.push(`${channelLabel(channel)}: ${offer}`);
      continue;
    }
    if (offer.failChance > 0 && fails(offer.failChance)) {
      refused = `${channel.name}: ${offer.failure ?? 'the guest refused'}`;
      why.push(refused);
      continue;
    }
    return { decision: d, via: { channel, taken: offer.taken, ...(offer.iovaAvoided ? { iovaAvoided: offer.iovaAvoided } : {}) }, ...(refused ? { refused } : {}) };
  }
  // One named channel that cannot reach the guest: QEMU maps RAM as it always does, and the kernel decides.
  if (only) return { decision: { action: 'proceed' }, unreached: why.join('; '), ...(refused ? { refused } : {}) };
  return { decision: { action: 'abort', reason: `no channel that exists reaches the guest (${why.join('; ')})` }, ...(refused ? { refused } : {}) };
}


/** The decision the VMM applies: RAM a channel takes away (a block never plugged, a DIMM ejected) is not mapped either. */
export function routedDecision(r: Routed): Decision {
  const via = r.via;
  if (!via || via.channel.guestHonours || r.decision.action !== 'proceed') return r.decision;
  return { ...r.decision, mapAround: (r.decision.mapAround ?? IntervalSet.EMPTY).union(via.taken) };
}

/** What the trace says about the route: a refusal, and the channel (labelled when hypothetical). */
export function routeTrace(r: Routed): Array<['guest' | 'vmm', string]> {
  const out: Array<['guest' | 'vmm', string]> = [];
  if (r.refused) out.push(['guest', `hint refused: ${r.refused}`]);
  if (r.unreached) out.push(['vmm', `tells the guest nothing (${r.unreached}): maps RAM as usual`]);
  if (r.via) out.push(['vmm', `tells the guest via ${channelLabel(r.via.channel)}: ${r.via.taken.ranges.map(formatRange).join(' ') || 'no RAM taken'}`]);
  return out;
}
