import { Socket } from 'engine.io-client';
import {
  type Link as CoreLink,
  type LinkEvents,
  QUIT,
  type Refusal,
  readRefusal,
} from '../../src/client/core/link.js';
import type { WebSocketFailure } from './demotion.js';
import type { TransportName } from './negotiate.js';

/**
 * A browser hides why a WebSocket handshake failed, so a WebSocket that never opened asks the polling
 * handshake, which runs the same admission, and reads the refusal there. It asks as protocol 3, which the
 * server does not speak: an admitted probe is answered 400 after admission and no session is made.
 */
async function probeRefusal(url: string, path: string): Promise<Refusal | undefined> {
  if (typeof fetch !== 'function') return undefined;
  try {
    const res = await fetch(
      `${url.replace(/^ws/, 'http').replace(/\/$/, '')}${path}?EIO=3&transport=polling`,
    );
    return readRefusal(res.status, await res.text());
  } catch {
    return undefined;
  }
}

/** Where and how long: the settings of one link. */
export interface LinkOptions {
  url: string;
  path: string;
  kind: TransportName;
  /** How long it may take to reach `welcome`, ms. */
  timeoutMs: number;
}

/**
 * One attempt on one transport in a page, and what it showed: whether the transport opened and whether
 * `welcome` came, which decides demotions.
 */
export interface Link extends CoreLink<TransportName> {
  /** The transport under the link opened (a WebSocket's `open`, an event stream's headers). */
  readonly opened: boolean;
  /** How this link failed, read as an attempt before its welcome. */
  readonly failure: WebSocketFailure;
}

/** One engine.io socket on one transport (websocket or polling, no upgrade). */
export class EngineLink implements Link {
  readonly kind: TransportName;
  /** The transport under the socket opened (a WebSocket's `open` event). */
  opened = false;
  /** `welcome` arrived: the protocol round trip succeeded. */
  welcomed = false;
  /** The id of the hello sent on this link. */
  helloId = 0;
  refusal: Refusal | undefined;
  private timedOut = false;
  private ended = false;
  private readonly socket: Socket;
  private readonly timer: ReturnType<typeof setTimeout>;
  private readonly events: LinkEvents;

  constructor(options: LinkOptions, events: LinkEvents) {
    this.events = events;
    this.kind = options.kind;
    this.socket = new Socket(options.url, {
      path: options.path,
      transports: [options.kind],
      upgrade: false,
      rememberUpgrade: false,
      closeOnBeforeunload: true,
    });
    this.socket.transport.once('open', () => {
      this.opened = true;
    });
    this.socket.on('open', () => {
      this.opened = true;
      if (!this.ended) events.open();
    });
    this.socket.on('message', (data) => {
      if (!this.ended) events.text(String(data));
    });
    // A refused polling handshake: engine.io-client hands over the request, whose answer says why.
    this.socket.on('error', (error) => {
      const request = (error as { context?: { status?: unknown; responseText?: unknown } }).context;
      if (typeof request?.status === 'number' && typeof request.responseText === 'string')
        this.refusal ??= readRefusal(request.status, request.responseText);
    });
    this.socket.on('close', () => {
      if (this.opened || this.refusal || options.kind !== 'websocket') {
        this.finish(events);
        return;
      }
      void probeRefusal(options.url, options.path).then((refusal) => {
        this.refusal = refusal;
        this.finish(events);
      });
    });
    this.timer = setTimeout(() => {
      if (this.welcomed || this.ended) return;
      this.timedOut = true;
      this.socket.close();
      this.finish(events);
    }, options.timeoutMs);
  }

  /** How this link failed, read as a WebSocket attempt. */
  get failure(): WebSocketFailure {
    if (this.timedOut) return this.opened ? 'silent' : 'timeout';
    return this.opened ? 'closed-early' : 'refused';
  }

  /** Sends one frame. */
  send(frame: object): void {
    this.socket.send(JSON.stringify(frame));
  }

  /** The welcome arrived: the time limit no longer applies. */
  markWelcomed(): void {
    this.welcomed = true;
    clearTimeout(this.timer);
  }

  /** Ends the link on purpose; `closed` is not reported. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.socket.off();
    this.socket.close();
  }

  quit(): void {
    if (this.ended) return;
    // engine.io closes only once what was sent has been written, so the quit goes out first.
    this.socket.send(QUIT);
    this.end();
  }

  kill(): void {
    this.socket.close();
    this.finish(this.events);
  }

  private finish(events: LinkEvents): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.socket.off();
    events.closed();
  }
}
