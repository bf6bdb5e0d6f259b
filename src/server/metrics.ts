import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Observer } from '../ports/observer.js';
import { FastHistogram } from './fast-histogram.js';

/** Delivery latency buckets, seconds: a local write is sub-millisecond, a loaded box or Redis hop tens of ms. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The engine.io transport name of long-polling: a session that ends on it never upgraded. */
const POLLING = 'polling';

/** A labelled series' handle. */
type Child = { inc(value?: number): void };

/** One labelled series, counted in a plain number until a scrape hands it to prom-client. */
class Tally {
  value = 0;
  constructor(readonly labels: Record<string, string>) {}

  inc(by = 1): void {
    this.value += by;
  }

  dec(by = 1): void {
    this.value -= by;
  }
}

/** The series of a metric by label values, made on first use. */
function series(labelNames: readonly string[]): {
  all: Map<string, Tally>;
  of: (values: string[]) => Tally;
} {
  const all = new Map<string, Tally>();
  const of = (values: string[]) => {
    const key = values.join('\u0000');
    let tally = all.get(key);
    if (!tally) {
      tally = new Tally(Object.fromEntries(labelNames.map((name, i) => [name, values[i] as string])));
      all.set(key, tally);
    }
    return tally;
  };
  return { all, of };
}

/** What a labelled counter or gauge is made with. */
interface Labelled {
  name: string;
  help: string;
  labelNames: string[];
  registers: Registry[];
}

/**
 * A labelled counter whose series count in plain numbers, handed to prom-client at each scrape (its
 * `collect`): prom-client hashes the labels of every increment, a cached child's too, and frames are
 * counted thousands of times a second.
 */
function counted(config: Labelled): (...values: string[]) => Child {
  const { all, of } = series(config.labelNames);
  const counter: Counter<string> = new Counter({
    ...config,
    collect() {
      for (const tally of all.values()) {
        if (tally.value === 0) continue;
        counter.inc(tally.labels, tally.value);
        tally.value = 0;
      }
    },
  });
  return (...values) => of(values);
}

/** A labelled gauge kept the same way: its series' levels are set on prom-client's gauge at each scrape. */
function levels(config: Labelled): (...values: string[]) => Tally {
  const { all, of } = series(config.labelNames);
  const gauge: Gauge<string> = new Gauge({
    ...config,
    collect() {
      for (const tally of all.values()) gauge.set(tally.labels, tally.value);
    },
  });
  return (...values) => of(values);
}

/**
 * The Observer on prom-client, with a Registry of its own: two servers in one process count apart.
 * Besides the gateway's series it collects prom-client's process metrics (RSS, heap, GC, file
 * descriptors, and event-loop lag percentiles from `monitorEventLoopDelay`, reset at each scrape).
 */
export class Metrics implements Observer {
  readonly registry = new Registry();
  private readonly open: (transport: string) => Tally;
  private readonly opened: (transport: string) => Child;
  private readonly closedBy: (transport: string, reason: string) => Child;
  private readonly changes: (from: string, to: string) => Child;
  private readonly upgrades: Counter;
  private readonly demotions: Counter;
  private readonly fallbacks: Counter;
  private readonly inbound: (transport: string) => Child;
  private readonly outbound: (transport: string) => Child;
  private readonly errors: (code: string) => Child;
  private readonly refusals: (reason: string, transport: string) => Child;
  private readonly resumes: Counter;
  private readonly gaps: (reason: string) => Child;
  private readonly slow: (transport: string) => Child;
  private readonly latency: FastHistogram;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.open = levels({
      name: 'switchboard_connections',
      help: 'Connections open now, by the transport they are on.',
      labelNames: ['transport'],
      registers,
    });
    this.opened = counted({
      name: 'switchboard_connections_opened_total',
      help: 'Connections handed to the hub, by transport.',
      labelNames: ['transport'],
      registers,
    });
    this.closedBy = counted({
      name: 'switchboard_connections_closed_total',
      help: 'Connections gone, by the transport they ended on and why: the bye code, or `peer`.',
      labelNames: ['transport', 'reason'],
      registers,
    });
    this.changes = counted({
      name: 'switchboard_transport_changes_total',
      help: 'Sessions that moved from one transport to another.',
      labelNames: ['from', 'to'],
      registers,
    });
    this.upgrades = new Counter({
      name: 'switchboard_upgrades_total',
      help: 'Sessions upgraded to WebSocket (engine.io polling to websocket).',
      registers,
    });
    this.demotions = new Counter({
      name: 'switchboard_demotions_total',
      help: 'Sessions moved off WebSocket to another transport.',
      registers,
    });
    this.fallbacks = new Counter({
      name: 'switchboard_fallbacks_total',
      help: 'engine.io sessions that ended on long-polling, never upgraded (a failed upgrade, a demoted client, WebSocket off).',
      registers,
    });
    this.inbound = counted({
      name: 'switchboard_frames_in_total',
      help: 'Inbound frames accepted from connections, by transport.',
      labelNames: ['transport'],
      registers,
    });
    this.outbound = counted({
      name: 'switchboard_frames_out_total',
      help: 'Outbound frames written to connections, by transport.',
      labelNames: ['transport'],
      registers,
    });
    this.errors = counted({
      name: 'switchboard_errors_total',
      help: 'Error frames sent, by error code.',
      labelNames: ['code'],
      registers,
    });
    this.refusals = counted({
      name: 'switchboard_refusals_total',
      help: 'Handshakes and hellos refused before a session existed, by reason and transport.',
      labelNames: ['reason', 'transport'],
      registers,
    });
    this.resumes = new Counter({
      name: 'switchboard_resumes_total',
      help: 'Resumes served (a hello that named rooms to resume).',
      registers,
    });
    this.gaps = counted({
      name: 'switchboard_gaps_total',
      help: 'Gap frames sent, by reason (`trimmed`: history no longer holds them; `epoch`: history was reset).',
      labelNames: ['reason'],
      registers,
    });
    this.slow = counted({
      name: 'switchboard_slow_consumer_closes_total',
      help: 'Connections closed as slow consumers (bye slow_consumer), by transport.',
      labelNames: ['transport'],
      registers,
    });
    this.latency = new FastHistogram(
      'switchboard_delivery_latency_seconds',
      'From a message being stored to its being queued for one member, seconds.',
      LATENCY_BUCKETS,
      registers,
    );
  }

  /** The Prometheus text exposition of every series of this server. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The Content-Type of `text()`. */
  get contentType(): string {
    return this.registry.contentType;
  }

  connectionOpened(transport: string): void {
    this.opened(transport).inc();
    this.open(transport).inc();
  }

  connectionClosed(transport: string, reason: string): void {
    this.closedBy(transport, reason).inc();
    this.open(transport).dec();
    if (transport === POLLING) this.fallbacks.inc();
  }

  transportChanged(from: string, to: string): void {
    this.changes(from, to).inc();
    this.open(from).dec();
    this.open(to).inc();
    if (to === 'websocket') this.upgrades.inc();
    else if (from === 'websocket') this.demotions.inc();
  }

  framesIn(transport: string, count: number): void {
    this.inbound(transport).inc(count);
  }

  framesOut(transport: string, count: number): void {
    this.outbound(transport).inc(count);
  }

  errorSent(code: string): void {
    this.errors(code).inc();
  }

  refused(reason: string, transport: string): void {
    this.refusals(reason, transport).inc();
  }

  resumed(): void {
    this.resumes.inc();
  }

  gap(reason: 'trimmed' | 'epoch'): void {
    this.gaps(reason).inc();
  }

  slowConsumer(transport: string): void {
    this.slow(transport).inc();
  }

  delivered(latencyMs: number): void {
    this.latency.observe(Math.max(0, latencyMs) / 1000);
  }
}

/** What a refusal log line needs: pino's `warn` with an object first. */
interface RefusalLog {
  warn(object: Record<string, unknown>, message: string): void;
}

/**
 * `observer` with each refusal also logged, once, with its reason and transport (never a message text):
 * the one place refusals reach, so neither the hub nor a transport logs them again.
 */
export function loggingRefusals(observer: Observer, log: RefusalLog): Observer {
  return {
    ...bound(observer),
    refused(reason, transport) {
      observer.refused(reason, transport);
      log.warn({ refused: reason, transport }, 'refused');
    },
  };
}

/** The observer's methods bound to it, so they can be spread into another object. */
function bound(observer: Observer): Observer {
  return {
    connectionOpened: (t) => observer.connectionOpened(t),
    connectionClosed: (t, r) => observer.connectionClosed(t, r),
    transportChanged: (f, t) => observer.transportChanged(f, t),
    framesIn: (t, n) => observer.framesIn(t, n),
    framesOut: (t, n) => observer.framesOut(t, n),
    errorSent: (c) => observer.errorSent(c),
    refused: (r, t) => observer.refused(r, t),
    resumed: () => observer.resumed(),
    gap: (r) => observer.gap(r),
    slowConsumer: (t) => observer.slowConsumer(t),
    delivered: (ms) => observer.delivered(ms),
  };
}
