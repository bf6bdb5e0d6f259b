/** A minimal typed event emitter: `on` returns the function that removes the handler. */
export class Emitter<Events extends object> {
  private readonly handlers = new Map<keyof Events, Set<(payload: never) => void>>();

  /** Adds a handler; returns its remover. */
  on<K extends keyof Events>(event: K, handler: (payload: Events[K]) => void): () => void {
    let set = this.handlers.get(event);
    if (!set) {
      set = new Set();
      this.handlers.set(event, set);
    }
    set.add(handler as (payload: never) => void);
    return () => set.delete(handler as (payload: never) => void);
  }

  /** Calls every handler of the event; a throwing handler is reported and does not stop the others. */
  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.handlers.get(event);
    if (!set) return;
    for (const handler of [...set]) {
      try {
        (handler as (payload: Events[K]) => void)(payload);
      } catch (error) {
        // An application bug must not break the connection logic that emitted the event. Browsers report
        // it like an uncaught error; in Node (no reportError) a rethrow would end the process, so log it.
        const report = (globalThis as { reportError?: (error: unknown) => void }).reportError;
        if (report) report(error);
        else console.error(error);
      }
    }
  }

  /** Removes every handler. */
  clear(): void {
    this.handlers.clear();
  }
}
