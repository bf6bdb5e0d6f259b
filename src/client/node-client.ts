import { ClientCore } from './core/client-core.js';
import { admissionRefusal, type Link, type LinkEvents, QUIT, type Refusal } from './core/link.js';
import type { ChatApi, CoreOptions } from './core/types.js';
import { type DialOptions, dialer } from './dial.js';
import { HandshakeRefused, type Wire } from './wire.js';

/** Options of the Node client's `connect`. */
export interface NodeConnectOptions extends CoreOptions, DialOptions {
  /** How long a connection attempt may take to reach `welcome`, ms. @default 20000 */
  connectTimeoutMs?: number;
  /** Opens a new wire instead of dialing the URL (tests, custom transports). @default dialer(url, options) */
  dial?: () => Promise<Wire>;
}

/** A Switchboard connection from Node: the one client API, over TCP lines, raw WebSocket or engine.io. */
export type NodeClient = ChatApi<string>;

/**
 * Connects to a gateway from Node: `tcp://host:7000`, `ws://host:3000/ws` or `http://host:3000` (engine.io,
 * WebSocket unless `transport` says otherwise). The client reconnects and resumes on its own until closed.
 * Throws DialError for a URL it cannot dial.
 */
export function connect(url: string, options: NodeConnectOptions = {}): NodeClient {
  return new WireClient(options.dial ?? dialer(url, options), options);
}

/** One attempt over one dialed wire. */
class WireLink implements Link<string> {
  welcomed = false;
  helloId = 0;
  refusal: Refusal | undefined;
  reason: string | undefined;
  private wire: Wire | undefined;
  private ended = false;
  private readonly timer: ReturnType<typeof setTimeout>;

  constructor(
    dial: () => Promise<Wire>,
    timeoutMs: number,
    private readonly events: LinkEvents,
  ) {
    this.timer = setTimeout(() => {
      if (this.welcomed) return;
      this.reason = `no welcome within ${timeoutMs} ms`;
      this.kill();
    }, timeoutMs);
    dial().then(
      (wire) => {
        if (this.ended) {
          wire.close();
          return;
        }
        this.wire = wire;
        wire.onText((text) => {
          if (!this.ended) events.text(text);
        });
        wire.onClose(() => this.finish());
        if (!this.ended) events.open();
      },
      (error: unknown) => {
        if (error instanceof HandshakeRefused)
          this.refusal = admissionRefusal(error.status, error.code, error.detail);
        this.reason = error instanceof Error ? error.message : String(error);
        this.finish();
      },
    );
  }

  /** The transport as the wire names it (engine.io's can change with an upgrade). */
  get kind(): string {
    return this.wire?.transport() ?? 'unknown';
  }

  send(frame: object): void {
    this.wire?.send(JSON.stringify(frame));
  }

  markWelcomed(): void {
    this.welcomed = true;
    clearTimeout(this.timer);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.wire?.close();
  }

  quit(): void {
    if (this.ended) return;
    this.wire?.send(QUIT);
    this.end();
  }

  kill(): void {
    this.wire?.close();
    this.finish();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.events.closed();
  }
}

/** The client core over wires from a dialer: one transport, no negotiation. */
class WireClient extends ClientCore<string, WireLink> implements NodeClient {
  constructor(
    private readonly dial: () => Promise<Wire>,
    private readonly options: NodeConnectOptions,
  ) {
    super(options);
    this.connectNow();
  }

  protected override beginAttempt(): void {
    this.startLink((events) => new WireLink(this.dial, this.options.connectTimeoutMs ?? 20_000, events));
  }

  protected override isTransport(_name: string): _name is string {
    return true;
  }
}
