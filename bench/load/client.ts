import type http from 'node:http';
import type { Target } from '../targets.js';
import { type Address, openWire, type Wire } from './wires.js';

/** Every bench chat message's text starts with `m<index> `; receivers find the index after this marker. */
const MARKER = Buffer.from('"text":"m');
/**
 * What receivers search for: the marker without its opening quote, checked afterwards. A search runs from
 * each occurrence of its first byte, and JSON is full of quotes: starting at `t` makes it ~2.5× faster.
 */
const NEEDLE = MARKER.subarray(1);

/** The text of bench message `index`, padded to `bytes`. */
export function messageText(index: number, bytes: number): string {
  const head = `m${index} `;
  return head + 'x'.repeat(Math.max(0, bytes - head.length));
}

/** The message index at byte `pos` of buf (digits up to the first non-digit). */
export function readIndex(buf: Buffer, pos: number): number {
  let n = 0;
  for (let i = pos; i < buf.length; i++) {
    const c = buf[i] as number;
    if (c < 0x30 || c > 0x39) break;
    n = n * 10 + (c - 0x30);
  }
  return n;
}

/**
 * Calls `onIndex` for every bench message in bytes [start, end) of buf and returns how many it found.
 * This is the receivers' fast path: no string is made and nothing is parsed.
 */
export function scanDeliveries(
  buf: Buffer,
  start: number,
  end: number,
  onIndex: (i: number) => void,
): number {
  let found = 0;
  for (
    let p = buf.indexOf(NEEDLE, start + 1);
    p !== -1 && p + NEEDLE.length <= end;
    p = buf.indexOf(NEEDLE, p + NEEDLE.length)
  ) {
    if (buf[p - 1] !== 0x22) continue;
    onIndex(readIndex(buf, p + NEEDLE.length));
    found++;
  }
  return found;
}

type Waiter = { resolve: () => void; reject: (error: Error) => void };

/**
 * One load-generator chat client over a lean wire, speaking either Switchboard v1 (`sb`, with the
 * `batch` capability offered) or socket.io (`sio`). Receivers count deliveries with `scanDeliveries`;
 * everything else is parsed.
 */
export class BenchClient {
  /** Set on receivers while counting: called with each delivered message's index and read time. */
  onDelivery: ((index: number, now: number) => void) | undefined;
  /** Why the wire closed, once it has. */
  closedReason: string | undefined;
  /** Error frames received (answers to requests and others). */
  errors = 0;
  private readonly wire: Wire;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();
  private welcomed: Waiter | undefined;
  private readonly opened: Promise<void>;
  private now = 0;

  constructor(
    private readonly target: Target,
    address: Address,
    agent: http.Agent,
    readonly nick: string,
  ) {
    this.opened = new Promise((resolve, reject) => {
      this.welcomed = { resolve, reject };
    });
    this.wire = openWire(target.wire, address, this.events(), agent);
  }

  /** Resolves on the first `welcome` (socket.io: the namespace CONNECT answer). */
  welcome(): Promise<void> {
    return this.opened;
  }

  /** Joins a room; resolves on its ack. */
  join(room: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      this.wire.send([
        this.target.dialect === 'sb'
          ? JSON.stringify({ type: 'join', room, id })
          : `2${id}${JSON.stringify(['join', room])}`,
      ]);
    });
  }

  /** Says several texts in a room in one write; their acks are counted, not awaited. */
  say(room: string, texts: readonly string[]): void {
    const packets = texts.map((text) => {
      const id = this.nextId++;
      return this.target.dialect === 'sb'
        ? JSON.stringify({ type: 'say', room, text, id })
        : `2${id}${JSON.stringify(['say', { room, text }])}`;
    });
    this.wire.send(packets);
  }

  close(): void {
    this.wire.close();
  }

  private events() {
    return {
      onOpen: () => {
        this.wire.send([
          this.target.dialect === 'sb'
            ? JSON.stringify({ type: 'hello', v: 1, nick: this.nick, caps: ['batch'] })
            : '0',
        ]);
      },
      onPacket: (buf: Buffer, start: number, end: number, now: number) => {
        const onDelivery = this.onDelivery;
        if (onDelivery && this.waiting.size === 0) {
          if (scanDeliveries(buf, start, end, (i) => onDelivery(i, now)) > 0) return;
        }
        this.now = now;
        const text = buf.toString('utf8', start, end);
        if (this.target.dialect === 'sb') this.frame(JSON.parse(text) as SbFrame);
        else this.socketIoPacket(text);
      },
      onClose: (reason: string) => {
        this.closedReason = reason;
        const error = new Error(`${this.nick}: ${reason}`);
        this.welcomed?.reject(error);
        this.welcomed = undefined;
        for (const w of this.waiting.values()) w.reject(error);
        this.waiting.clear();
      },
    };
  }

  private frame(frame: SbFrame): void {
    switch (frame.type) {
      case 'welcome':
        this.welcomed?.resolve();
        this.welcomed = undefined;
        return;
      case 'batch':
        for (const inner of frame.frames ?? []) this.frame(inner);
        return;
      case 'message':
        if (this.onDelivery && typeof frame.text === 'string') {
          this.onDelivery(readIndex(Buffer.from(frame.text), 1), this.now);
        }
        return;
      case 'error':
        this.errors++;
        this.settle(frame.id, `${frame.code}: ${frame.message}`);
        return;
      case 'ack':
        this.settle(frame.id, undefined);
        return;
    }
  }

  private socketIoPacket(text: string): void {
    const type = text[0];
    if (type === '0') {
      this.welcomed?.resolve();
      this.welcomed = undefined;
    } else if (type === '3') {
      const open = text.indexOf('[');
      this.settle(Number(text.slice(1, open)), undefined);
    } else if (type === '2') {
      const [event, data] = JSON.parse(text.slice(text.indexOf('['))) as [string, { text?: string }];
      if (event === 'message' && this.onDelivery && typeof data.text === 'string') {
        this.onDelivery(readIndex(Buffer.from(data.text), 1), this.now);
      }
    } else if (type === '4') {
      this.errors++;
      this.welcomed?.reject(new Error(`connect_error ${text}`));
    }
  }

  private settle(id: number | undefined, error: string | undefined): void {
    if (id === undefined) return;
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    if (error === undefined) w.resolve();
    else w.reject(new Error(error));
  }
}

interface SbFrame {
  type: string;
  id?: number;
  code?: string;
  message?: string;
  text?: string;
  frames?: SbFrame[];
}
