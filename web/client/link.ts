import { Socket } from 'engine.io-client';
import type { WebSocketFailure } from './demotion.js';
import type { TransportName } from './negotiate.js';

/** What a link reports to the client. */
export interface LinkEvents {
  /** engine.io is open on this link: time to send the hello. */
  open(): void;
  /** One text received. */
  text(text: string): void;
  /** The link is gone: closed by the server or the network, or out of time before its welcome. */
  closed(): void;
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
 * One engine.io socket on one transport (no upgrade), and what it showed: whether its transport opened
 * and whether `welcome` came. A link is used once; reconnecting makes a new one.
 */
export class Link {
  readonly kind: TransportName;
  /** The transport under the socket opened (a WebSocket's `open` event). */
  opened = false;
  /** `welcome` arrived: the protocol round trip succeeded. */
  welcomed = false;
  /** The id of the hello sent on this link. */
  helloId = 0;
  private timedOut = false;
  private ended = false;
  private readonly socket: Socket;
  private readonly timer: ReturnType<typeof setTimeout>;

  constructor(options: LinkOptions, events: LinkEvents) {
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
    this.socket.on('close', () => this.finish(events));
    this.timer = setTimeout(() => {
      if (this.welcomed || this.ended) return;
      this.timedOut = true;
      this.socket.close();
      this.finish(events);
    }, options.timeoutMs);
  }

  /** How this link failed, read as a WebSocket attempt. */
  get failure(): WebSocketFailure {
    if (this.timedOut) return 'timeout';
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

  private finish(events: LinkEvents): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.socket.off();
    events.closed();
  }
}
