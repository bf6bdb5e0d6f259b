import { Agent, type IncomingMessage, request } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { makeWire, type Wire } from '../wire.js';

/** One dispatched server-sent event. */
export interface SseEvent {
  event: string;
  data: string;
  id: string | undefined;
}

/**
 * Parses a text/event-stream as it arrives (the HTML Living Standard's rules for `event`, `data`, `id`,
 * comments and CR/LF line ends). Pure: feed it text, it returns the events completed by that text.
 */
export class SseParser {
  private partial = '';
  private event = '';
  private data: string[] = [];
  private id: string | undefined;

  /** Feeds decoded text; returns the events it completed. */
  feed(text: string): SseEvent[] {
    const out: SseEvent[] = [];
    const lines = (this.partial + text).split(/\r\n|\r|\n/);
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') {
        if (this.data.length > 0)
          out.push({ event: this.event || 'message', data: this.data.join('\n'), id: this.id });
        this.event = '';
        this.data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') this.data.push(value);
      else if (field === 'event') this.event = value;
      else if (field === 'id' && !value.includes('\0')) this.id = value;
    }
    return out;
  }
}

/** Options of the Node SSE wire. */
export interface SseWireOptions {
  /** Extra headers on every request (Origin…). */
  headers?: Record<string, string>;
  /** Largest POST body; queued frames beyond it go in the next POST. @default 65536 */
  maxBodyBytes?: number;
}

/**
 * An SSE wire (`http://host:3000` → `/sse/`): a GET event stream for frames from the server and POSTs of
 * newline-separated frames to it, one POST in flight at a time so the server sees them in order.
 */
export function sseWire(
  url: string,
  { headers = {}, maxBodyBytes = 65536 }: SseWireOptions = {},
): Promise<Wire> {
  const base = new URL('/sse/', url);
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  let stream: string | undefined;
  let closed = false;
  let posting = false;
  const queue: string[] = [];
  let response: IncomingMessage | undefined;

  const post = () => {
    if (posting || closed || stream === undefined || queue.length === 0) return;
    let body = '';
    while (queue.length > 0) {
      const next = queue[0] as string;
      if (body.length > 0 && Buffer.byteLength(body) + Buffer.byteLength(next) + 1 > maxBodyBytes) break;
      body += `${queue.shift()}\n`;
    }
    posting = true;
    const req = request(`${base.href}?stream=${stream}`, {
      method: 'POST',
      agent,
      headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => {
        posting = false;
        post();
      });
    });
    req.on('error', () => finish());
    req.end(body);
  };

  const finish = () => {
    if (closed) return;
    closed = true;
    response?.destroy();
    agent.destroy();
    sink.closed();
  };

  const { wire, sink } = makeWire({
    send: (text) => {
      if (closed) return;
      queue.push(text);
      post();
    },
    close: () => {
      if (closed || stream === undefined) return finish();
      const req = request(`${base.href}?stream=${stream}`, { method: 'DELETE', agent, headers });
      req.on('response', (res) => res.resume().on('end', finish));
      req.on('error', finish);
      req.end();
    },
    transport: () => 'sse',
  });

  return new Promise((resolve, reject) => {
    const req = request(base, { agent, headers: { ...headers, accept: 'text/event-stream' } });
    req.on('error', (error) => {
      if (stream === undefined) reject(error);
      finish();
    });
    req.on('response', (res) => {
      response = res;
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`SSE stream refused with HTTP ${res.statusCode}`));
        finish();
        return;
      }
      const parser = new SseParser();
      const decoder = new StringDecoder('utf8');
      res.on('data', (chunk: Buffer) => {
        for (const event of parser.feed(decoder.write(chunk))) {
          if (event.event === 'session') {
            stream = (JSON.parse(event.data) as { stream: string }).stream;
            resolve(wire);
            post();
          } else if (event.event === 'message') sink.text(event.data);
        }
      });
      res.on('close', finish);
    });
    req.end();
  });
}
