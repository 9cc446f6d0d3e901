// A trial's story, for `explain` and for tests: who did what, in order.
export type TraceKind = 'kernel' | 'vmm' | 'guest' | 'dma' | 'policy';
export type Trace = (kind: TraceKind, text: string) => void;
export const NO_TRACE: Trace = () => {};
