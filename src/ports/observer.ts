/**
 * The Observer port: what the core and the transports report for metrics. The edge (src/server/metrics.ts)
 * turns it into Prometheus series with prom-client; the core never imports prom-client. Every method is
 * called on a hot path, so implementations only count: no I/O, no allocation per call where avoidable.
 */
export interface Observer {
  /** A connection was handed to the hub. */
  connectionOpened(transport: string): void;
  /** A connection is gone; `reason` is the bye code when the server closed it, else `peer`. */
  connectionClosed(transport: string, reason: string): void;
  /** A session moved from one transport to another (an engine.io upgrade, a demotion). */
  transportChanged(from: string, to: string): void;
  /** Inbound frames accepted from a connection. */
  framesIn(transport: string, count: number): void;
  /** Outbound frames written to a connection. */
  framesOut(transport: string, count: number): void;
  /** An `error` frame was sent with this code. */
  errorSent(code: string): void;
  /** A handshake or hello was refused before a session existed (origin, per-IP cap, rate, auth, hello timeout…). */
  refused(reason: string, transport: string): void;
  /** A resume was served. */
  resumed(): void;
  /** A `gap` was sent. */
  gap(reason: 'trimmed' | 'epoch'): void;
  /** A connection was closed as a slow consumer. */
  slowConsumer(transport: string): void;
  /** Milliseconds from a message's store time to its write to one member. */
  delivered(latencyMs: number): void;
}

/** An Observer that counts nothing: the default when no metrics are wanted. */
export const NO_OBSERVER: Observer = {
  connectionOpened() {},
  connectionClosed() {},
  transportChanged() {},
  framesIn() {},
  framesOut() {},
  errorSent() {},
  refused() {},
  resumed() {},
  gap() {},
  slowConsumer() {},
  delivered() {},
};
