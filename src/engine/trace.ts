// A trial's story, for `explain` and for tests: who did what, in order.
export type TraceKind = 'kernel' | 'vmm' | 'guest' | 'dma' | 'policy';

/** Structured fields beside the sentence, for `explain --json`. Addresses are hex strings. */
export type TraceData = Readonly<Record<string, string | number | boolean>>;

export type Trace = (kind: TraceKind, text: string, data?: TraceData) => void;
export const NO_TRACE: Trace = () => {};
