/**
 * Admission control for inbound messages. Past the database's capacity, starting every message
 * at once only makes all of them wait for a connection until the pool times out, and everyone
 * gets "busy" late, after part of the work was done (measured: bench/lookup-pipeline.ts). The
 * gate lets `maxActive` messages run, queues the next `maxWaiting` in arrival order, and turns
 * the rest away at once (the caller answers "busy" without touching the database).
 */
export class InboundGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** Messages turned away since start (for logs and metrics). */
  shed = 0;

  constructor(readonly maxActive = 16, readonly maxWaiting = 500) {}

  /** Runs `work` when a slot frees, or returns false at once when the queue is full. */
  async run(work: () => Promise<void>): Promise<boolean> {
    if (this.active >= this.maxActive) {
      if (this.waiting.length >= this.maxWaiting) {
        this.shed++;
        return false;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.active++;
    try {
      await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes on
      else this.active--;
    }
    return true;
  }

  get load(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }
}
