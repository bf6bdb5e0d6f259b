import { LocalBus } from '../../src/bus/local.js';
import type { Connection } from '../../src/core/connection.js';
import { Hub, type HubOptions } from '../../src/core/hub.js';
import { MemoryPresence } from '../../src/core/memory-presence.js';
import type { Session } from '../../src/core/session.js';
import type { History } from '../../src/history/history.js';
import { LocalMessageLog } from '../../src/history/local-log.js';
import { MemoryHistory } from '../../src/history/memory.js';
import type { Frame } from './client.js';

/** An in-process Connection for unit tests of the pure core: it records what the hub writes. */
export class MemoryConnection implements Connection {
  readonly writes: string[][] = [];
  closed = false;
  buffered = 0;

  constructor(public transport = 'memory') {}

  write(frames: readonly string[]): void {
    this.writes.push([...frames]);
  }

  close(): void {
    this.closed = true;
  }

  bufferedBytes(): number {
    return this.buffered;
  }

  /** Every frame written, batches unpacked, in order. */
  frames(): Frame[] {
    return this.writes.flat().flatMap((text) => {
      const frame = JSON.parse(text) as Frame;
      return frame.type === 'batch' ? (frame.frames as Frame[]) : [frame];
    });
  }
}

/** The limits of a test hub that a test does not set itself. */
export const BASE_LIMITS = { maxFrameBytes: 65536, ratePerSec: 20, rateBurst: 40, maxBufferBytes: 1 << 20 };

/** A hub on a manual clock and a manual end-of-turn queue, with deterministic ids; `limits` amend BASE_LIMITS. */
export function testHub(
  overrides: Omit<Partial<HubOptions>, 'limits'> & { limits?: Partial<HubOptions['limits']> } = {},
  history?: History,
) {
  let now = 1_000_000;
  let ids = 0;
  const deferred: (() => void)[] = [];
  const hub = new Hub({
    log: new LocalMessageLog(history ?? new MemoryHistory({ limit: 1000, newEpoch: () => `e${++ids}` })),
    bus: new LocalBus(),
    presence: new MemoryPresence(),
    clock: () => now,
    defer: (fn) => deferred.push(fn),
    newId: (prefix) => `${prefix}_test${String(++ids).padStart(8, '0')}`,
    ...overrides,
    // A test names only the limits it is about; the rest are these.
    limits: { ...BASE_LIMITS, ...overrides.limits },
  });
  /** Lets pending promises (history) settle and runs the end-of-turn flushes, until nothing is left. */
  const settle = async () => {
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (deferred.length > 0) deferred.shift()?.();
    }
  };
  const connect = (transport = 'memory') => {
    const conn = new MemoryConnection(transport);
    const session = hub.open(conn);
    const send = (frame: Record<string, unknown> | string) =>
      session.receive(typeof frame === 'string' ? frame : JSON.stringify(frame));
    return { conn, session, send };
  };
  return {
    hub,
    settle,
    connect,
    advance: (ms: number) => {
      now += ms;
    },
    pendingFlushes: () => deferred.length,
  };
}

export type { Session };
