import { type LinkEvents, QUIT, type Refusal, readRefusal } from '../../src/client/core/link.js';
import type { WebSocketFailure } from './demotion.js';
import type { Link } from './link.js';

/** Settings of an SSE link. */
export interface SseLinkOptions {
  /** The gateway's HTTP origin. */
  url: string;
  /** The SSE endpoint. @default '/sse/' */
  path: string;
  /** How long it may take to reach `welcome`, ms. */
  timeoutMs: number;
  /** How long the browser's own reconnect (with `Last-Event-ID`) may take once welcomed, ms. */
  reconnectMs: number;
  /** Largest POST body; frames beyond it wait for the next POST. */
  maxBodyBytes: number;
}

/**
 * One SSE stream: an EventSource for frames from the server, POSTs of newline-separated frames to it (one
 * at a time, so they arrive in order). When the stream drops after its welcome, the EventSource reconnects
 * by itself with `Last-Event-ID` and the server replays what was missed; only if that fails within
 * `reconnectMs`, or a POST fails, is the link reported closed (the client then resumes with hello.resume).
 */
export class SseLink implements Link {
  readonly kind = 'sse' as const;
  opened = false;
  welcomed = false;
  helloId = 0;
  refusal: Refusal | undefined;
  private stream: string | undefined;
  private timedOut = false;
  private ended = false;
  private posting = false;
  private readonly queue: string[] = [];
  private readonly source: EventSource;
  private readonly endpoint: string;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly options: SseLinkOptions,
    private readonly events: LinkEvents,
  ) {
    this.endpoint = new URL(options.path, options.url).href;
    this.source = new EventSource(this.endpoint);
    this.source.onopen = () => {
      this.opened = true;
    };
    this.source.addEventListener('session', (event) => {
      const first = this.stream === undefined;
      clearTimeout(this.welcomed ? this.timer : undefined);
      try {
        this.stream = (JSON.parse((event as MessageEvent).data) as { stream: string }).stream;
      } catch {
        return;
      }
      if (first && !this.ended) events.open();
      this.flush();
    });
    this.source.onmessage = (event) => {
      if (!this.ended) events.text(String(event.data));
    };
    this.source.onerror = () => {
      if (this.ended) return;
      if (!this.opened && !this.welcomed) {
        // EventSource hides the status of a refused stream: ask once, and stop reading an admitted answer.
        this.source.close();
        void this.probe().then(() => this.kill());
        return;
      }
      if (!this.welcomed || this.source.readyState === EventSource.CLOSED) {
        this.kill();
        return;
      }
      // The browser is reconnecting by itself with Last-Event-ID; give it a bounded time.
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.kill(), options.reconnectMs);
    };
    this.timer = setTimeout(() => {
      if (this.welcomed || this.ended) return;
      this.timedOut = true;
      this.kill();
    }, options.timeoutMs);
  }

  private async probe(): Promise<void> {
    const abort = new AbortController();
    try {
      const res = await fetch(this.endpoint, {
        signal: abort.signal,
        headers: { accept: 'text/event-stream' },
      });
      this.refusal = res.ok ? undefined : readRefusal(res.status, await res.text());
    } catch {
      // Not reachable at all: a plain failure.
    } finally {
      abort.abort();
    }
  }

  get failure(): WebSocketFailure {
    if (this.timedOut) return this.opened ? 'silent' : 'timeout';
    return this.opened ? 'closed-early' : 'refused';
  }

  send(frame: object): void {
    if (this.ended) return;
    this.queue.push(JSON.stringify(frame));
    this.flush();
  }

  markWelcomed(): void {
    this.welcomed = true;
    clearTimeout(this.timer);
  }

  end(): void {
    if (this.ended) return;
    this.stop();
    // Tell the server now rather than leave the session waiting for a reconnect that will not come.
    if (this.stream !== undefined) {
      fetch(this.target(), { method: 'DELETE', keepalive: true }).catch(() => undefined);
    }
  }

  quit(): void {
    if (this.ended || this.stream === undefined) {
      this.end();
      return;
    }
    this.stop();
    // Instead of the DELETE: the server closes the stream itself after a quit. `keepalive` lets it go out
    // even while the page unloads.
    fetch(this.target(), {
      method: 'POST',
      body: `${QUIT}\n`,
      headers: { 'content-type': 'text/plain;charset=utf-8' },
      keepalive: true,
    }).catch(() => undefined);
  }

  kill(): void {
    if (this.ended) return;
    this.stop();
    this.events.closed();
  }

  private stop(): void {
    this.ended = true;
    clearTimeout(this.timer);
    this.source.close();
  }

  private target(): string {
    return `${this.endpoint}?stream=${encodeURIComponent(this.stream ?? '')}`;
  }

  private flush(): void {
    if (this.posting || this.ended || this.stream === undefined || this.queue.length === 0) return;
    let body = '';
    while (this.queue.length > 0) {
      const next = this.queue[0] as string;
      if (body.length > 0 && body.length + next.length + 1 > this.options.maxBodyBytes) break;
      body += `${this.queue.shift()}\n`;
    }
    this.posting = true;
    fetch(this.target(), {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain;charset=utf-8' },
    }).then(
      (res) => {
        this.posting = false;
        // A refused POST (the stream is gone) loses frames: report the link dead so the session resumes.
        if (!res.ok && res.status !== 413) this.kill();
        else this.flush();
      },
      () => {
        this.posting = false;
        this.kill();
      },
    );
  }
}
