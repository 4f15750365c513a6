// In-process publish/subscribe for the live page: ingest publishes "patient N has new readings",
// SSE connections of that patient's links subscribe. Nothing crosses process boundaries; a server
// running several API processes would need a shared channel (PostgreSQL LISTEN/NOTIFY).
export type LiveTopic = 'readings' | 'escalation';
export type LiveListener = (lpuId: number, topic: LiveTopic) => void;

export class LiveEvents {
  private readonly listeners = new Set<LiveListener>();

  publish(lpuId: number, topic: LiveTopic): void {
    for (const l of [...this.listeners]) {
      try {
        l(lpuId, topic);
      } catch {
        // One broken subscriber must not stop ingest or the others.
      }
    }
  }

  subscribe(l: LiveListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  get size(): number {
    return this.listeners.size;
  }
}
