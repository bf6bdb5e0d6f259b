import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Agent, request, upgrade } from 'undici';
import { randomToken } from '../../src/server/ids.js';
import type { SessionDirectory } from '../../src/server/transport.js';

/** Separates the owner's node id from the random part of an engine.io session id (node ids have no `.`). */
const SEPARATOR = '.';

/** Marks a request one node sent another, so a request is forwarded at most once. */
const HOP_HEADER = 'x-switchboard-forwarded-by';

/** An engine.io session id that names its owner: `NODE.RANDOM`, 120 random bits, URL-safe. */
export function ownedSessionId(nodeId: string): string {
  return `${nodeId}${SEPARATOR}${randomToken(15)}`;
}

/** The node that owns engine.io session `sid`, or undefined for an id that names none. */
export function ownerOf(sid: string): string | undefined {
  const at = sid.indexOf(SEPARATOR);
  return at > 0 ? sid.slice(0, at) : undefined;
}

/** The `sid` query parameter of a request URL, if it has exactly one. */
function sidOf(url: string | undefined): string | undefined {
  const q = (url ?? '').indexOf('?');
  if (q < 0) return undefined;
  const all = new URLSearchParams((url ?? '').slice(q + 1)).getAll('sid');
  return all.length === 1 ? all[0] : undefined;
}

/** Headers that describe one hop, not the message (RFC 9110 7.6.1), and are never passed on. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

/** The end-to-end headers of `headers`, as undici takes them. */
function endToEnd(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

/** The headers of a forwarded request: the client's, plus where it came from and which node sent it. */
function forwardedHeaders(req: IncomingMessage, nodeId: string): Record<string, string | string[]> {
  const headers = endToEnd(req.headers);
  const peer = req.socket.remoteAddress ?? '';
  const prior = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${String(prior)}, ${peer}` : peer;
  headers[HOP_HEADER] = nodeId;
  return headers;
}

/** engine.io's answer for a session it does not know; its clients reconnect (and Switchboard's resume). */
function answerUnknownSid(res: ServerResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(400, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ code: 1, message: 'Session ID unknown' }));
}

/** Options of SessionForwarder. */
export interface ForwarderOptions {
  directory: SessionDirectory;
  /** The longest a forwarded long-poll may wait for its answer (engine.io holds a GET up to pingInterval). */
  responseTimeoutMs: number;
  /** Told of a forward that failed (the owner gone, a timeout); for the log. */
  onError?: (error: Error, node: string) => void;
}

/**
 * Sends engine.io requests for another node's session to that node, so a balancer needs no sticky sessions:
 * polling GETs and POSTs are streamed both ways (bodies are never buffered here, and the owner applies its
 * own limits), and a WebSocket upgrade of a polling session is tunnelled. When the owner cannot be reached
 * the client gets engine.io's own "Session ID unknown", reconnects and resumes.
 */
export class SessionForwarder {
  private readonly agent: Agent;

  constructor(private readonly options: ForwarderOptions) {
    this.agent = new Agent({
      connect: { timeout: 2_000 },
      headersTimeout: options.responseTimeoutMs,
      bodyTimeout: options.responseTimeoutMs,
      keepAliveTimeout: 10_000,
    });
  }

  /** The owner to forward this request to, or undefined when it is this node's to handle. */
  foreignOwner(req: IncomingMessage): string | undefined {
    const sid = sidOf(req.url);
    const owner = sid === undefined ? undefined : ownerOf(sid);
    return owner === undefined || owner === this.options.directory.nodeId ? undefined : owner;
  }

  /** Forwards a polling request to `owner` and streams its answer back. */
  async forward(req: IncomingMessage, res: ServerResponse, owner: string): Promise<void> {
    const base = req.headers[HOP_HEADER] === undefined ? await this.locate(owner) : undefined;
    if (base === undefined) {
      req.resume();
      answerUnknownSid(res);
      return;
    }
    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const method = req.method ?? 'GET';
    try {
      const upstream = await request(new URL(req.url ?? '/', base), {
        method: method as 'GET',
        headers: forwardedHeaders(req, this.options.directory.nodeId),
        body: method === 'GET' || method === 'HEAD' || method === 'OPTIONS' ? null : req,
        signal: abort.signal,
        dispatcher: this.agent,
      });
      res.writeHead(upstream.statusCode, {
        ...endToEnd(upstream.headers as IncomingHttpHeaders),
        // Which node passed the answer on: for operators reading a trace, and for the tests.
        'x-switchboard-via': this.options.directory.nodeId,
      });
      await pipeline(upstream.body, res);
    } catch (error) {
      if (abort.signal.aborted) return;
      this.failed(owner, error);
      answerUnknownSid(res);
    }
  }

  /** Tunnels a WebSocket upgrade of `owner`'s session to it; the client socket closes if that fails. */
  async tunnel(req: IncomingMessage, socket: Duplex, head: Buffer, owner: string): Promise<void> {
    socket.on('error', () => socket.destroy());
    const base = req.headers[HOP_HEADER] === undefined ? await this.locate(owner) : undefined;
    if (base === undefined) {
      refuseUnknown(socket);
      return;
    }
    try {
      const headers = forwardedHeaders(req, this.options.directory.nodeId);
      // undici writes its own Connection/Upgrade pair; the key and version must reach the owner.
      const answer = await upgrade(new URL(req.url ?? '/', base), {
        method: 'GET',
        headers,
        protocol: 'websocket',
        dispatcher: this.agent,
      });
      const lines = ['HTTP/1.1 101 Switching Protocols', 'Connection: Upgrade', 'Upgrade: websocket'];
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value === undefined || name === 'connection' || name === 'upgrade') continue;
        for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
      }
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      const inner = answer.socket;
      if (head.length > 0) inner.write(head);
      inner.on('error', () => socket.destroy());
      socket.on('close', () => inner.destroy());
      inner.on('close', () => socket.destroy());
      socket.pipe(inner);
      inner.pipe(socket);
    } catch (error) {
      this.failed(owner, error);
      refuseUnknown(socket);
    }
  }

  /** Closes the pooled connections to other nodes. */
  async close(): Promise<void> {
    await this.agent.close().catch(() => {});
  }

  private async locate(owner: string): Promise<string | undefined> {
    try {
      return await this.options.directory.locate(owner);
    } catch (error) {
      this.options.onError?.(error as Error, owner);
      return undefined;
    }
  }

  private failed(owner: string, error: unknown): void {
    this.options.directory.unreachable?.(owner);
    this.options.onError?.(error as Error, owner);
  }
}

/** engine.io's refusal of an upgrade for an unknown session, written on the raw socket. */
function refuseUnknown(socket: Duplex): void {
  if (!socket.writable) return;
  const body = JSON.stringify({ code: 1, message: 'Session ID unknown' });
  socket.end(
    `HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
