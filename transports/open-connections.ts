/** A transport's open connections, for its shutdown: iterable, and a wait for them to be gone. */
export class OpenConnections<T> implements Iterable<T> {
  private readonly open = new Set<T>();
  private emptied: (() => void) | undefined;

  /** How many are open. */
  get size(): number {
    return this.open.size;
  }

  add(connection: T): void {
    this.open.add(connection);
  }

  /** The connection is gone; the last one ends a `drained` wait. */
  gone(connection: T): void {
    this.open.delete(connection);
    if (this.open.size === 0) this.emptied?.();
  }

  [Symbol.iterator](): Iterator<T> {
    return this.open.values();
  }

  /** Resolves once none is open, or after `timeoutMs` at the latest. */
  drained(timeoutMs: number): Promise<void> {
    if (this.open.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.emptied = undefined;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.emptied = done;
    });
  }
}
