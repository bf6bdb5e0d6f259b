import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Session } from '../../src/core/session.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { newId } from '../../src/server/ids.js';
import { payloadLimit, type Transport, type TransportContext } from '../../src/server/transport.js';
import { ObservedConnection } from '../observed.js';
import { requestHandshake } from '../request-handshake.js';
import { SseConnection, type StreamLimits } from './connection.js';
import { parseCursor, splitFrames } from './events.js';
import { readBody, replyError } from './http.js';

/** Where the SSE transport is served on the HTTP port. */
export const SSE_PATH = '/sse/';

/**
 * Defaults of the SSE transport's own bounds. Its timings follow the heartbeat settings: a comment every
 * PING_INTERVAL_MS, and a dropped stream is kept PING_TIMEOUT_MS for the browser's own reconnect.
 */
export const SSE_DEFAULTS = {
  /** Written frames kept per stream for that reconnect's replay, bytes. */
  replayBytes: 256 * 1024,
  closeGraceMs: 5000,
};

/** A stream and the session behind it. */
interface Entry {
  conn: SseConnection;
  observed: ObservedConnection;
  session: Session | undefined;
  origin: string | undefined;
  /** Gives back the admission slot; the stream's end (not a dropped response) ends the connection. */
  release: () => void;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

function isSsePath(url: string | undefined): boolean {
  const path = (url ?? '').split('?', 1)[0];
  return path === SSE_PATH || path === '/sse';
}

/**
 * Server-Sent Events at `/sse/` on the HTTP port: `GET` opens a `text/event-stream` for server-to-client
 * frames (one event each, its id the cursor `STREAM:N`; heartbeats as comments); `POST /sse/?stream=ID`
 * carries client-to-server frames, one per line; `DELETE /sse/?stream=ID` ends the stream at once. A `GET`
 * with `Last-Event-ID: STREAM:N` (what a browser's EventSource sends when it reconnects by itself) puts a
 * new response under the same session and replays what came after frame N.
 */
export function sseTransport(options: Partial<typeof SSE_DEFAULTS & { graceMs: number }> = {}): Transport {
  let stopped: (() => Promise<void>) | undefined;
  return {
    name: 'sse',
    start({ hub, server, config, admission, observer }: TransportContext) {
      const streams = new Map<string, Entry>();
      const limits: StreamLimits = {
        ...SSE_DEFAULTS,
        graceMs: config.pingTimeoutMs,
        ...options,
        heartbeatMs: config.pingIntervalMs,
      };
      const bodyLimit = payloadLimit(config.maxFrameBytes);

      const gone = (conn: SseConnection) => {
        const entry = streams.get(conn.stream);
        if (entry?.conn !== conn) return;
        streams.delete(conn.stream);
        entry.release();
        entry.observed.gone();
        entry.session?.closed();
      };

      const open = (req: IncomingMessage, res: ServerResponse) => {
        const header = req.headers['last-event-id'];
        const given =
          (typeof header === 'string' ? header : undefined) ??
          new URL(req.url ?? '/', 'http://x').searchParams.get('lastEventId') ??
          undefined;
        if (given !== undefined && given !== '') {
          const cursor = parseCursor(given);
          const entry = cursor && streams.get(cursor.stream);
          if (!cursor || !entry?.conn.attach(res, cursor.n)) {
            // Gone, or its frames are no longer kept: a new stream and the protocol's resume take over.
            replyError(res, 'unknown_stream', 'No such SSE stream, or it can no longer be resumed here.');
          }
          return;
        }
        const verdict = admission.admit(requestHandshake('sse', req, config.trustProxy));
        if (!verdict.ok) {
          replyError(res, verdict.code as Parameters<typeof replyError>[1], verdict.message, true);
          return;
        }
        const conn = new SseConnection(newId('t'), limits, gone);
        const observed = new ObservedConnection(conn, observer);
        const entry: Entry = {
          conn,
          observed,
          session: undefined,
          origin: req.headers.origin,
          release: verdict.release,
        };
        streams.set(conn.stream, entry);
        conn.attach(res, 0);
        entry.session = hub.open(observed, {
          origin: req.headers.origin,
          remoteAddress: verdict.handshake.remoteAddress,
          handshake: verdict.handshake,
        });
        // The hub may have refused it on the spot (bye written, connection closed) before it had a session.
        if (conn.ended) {
          entry.release();
          observed.gone();
          entry.session.closed();
        }
      };

      const entryOf = (req: IncomingMessage, res: ServerResponse): Entry | undefined => {
        const stream = new URL(req.url ?? '/', 'http://x').searchParams.get('stream') ?? '';
        const entry = streams.get(stream);
        if (!entry) {
          replyError(res, 'unknown_stream', 'No such SSE stream; open a new one with GET /sse/.');
          return undefined;
        }
        // A same-origin EventSource sends no Origin, but a same-origin fetch POST does: a POST's Origin must be
        // the stream's, or, for a stream opened without one, one the server allows.
        const origin = req.headers.origin;
        const allowed = config.allowedOrigins;
        if (
          origin !== undefined &&
          (entry.origin !== undefined
            ? origin !== entry.origin
            : allowed.length > 0 && !allowed.includes(origin))
        ) {
          replyError(res, 'forbidden_origin', 'This stream was opened from another Origin.');
          return undefined;
        }
        return entry;
      };

      const post = async (req: IncomingMessage, res: ServerResponse) => {
        const entry = entryOf(req, res);
        if (!entry) {
          req.resume();
          return;
        }
        const body = await readBody(req, bodyLimit);
        const session = entry.session;
        if (!body.ok) {
          if (body.reason === 'too_large') {
            replyError(res, 'payload_too_large', `A POST body may hold at most ${bodyLimit} bytes.`, true);
            session?.invalid(
              new ProtocolError('frame_too_large', `A POST body over ${bodyLimit} bytes was refused unread.`),
            );
            req.once('end', () => req.destroy());
            setImmediate(() => req.destroy());
          } else if (body.reason === 'not_utf8') {
            replyError(res, 'bad_frame', 'The body is not valid UTF-8.');
            session?.invalid(new ProtocolError('bad_frame', 'A POST body was not valid UTF-8.'));
          }
          return;
        }
        const frames = splitFrames(body.text);
        entry.observed.received(frames.length);
        for (const frame of frames) session?.receive(frame);
        res.writeHead(204).end();
      };

      const handle = (req: IncomingMessage, res: ServerResponse) => {
        if (allowCrossOrigin(req, res)) return;
        if (req.method === 'GET') open(req, res);
        else if (req.method === 'POST') void post(req, res);
        else if (req.method === 'DELETE') {
          const entry = entryOf(req, res);
          if (entry) {
            // This stream is done, not necessarily the session: a client that moves to a new stream resumes
            // within the presence grace. Leaving on purpose is the protocol's `quit`.
            entry.conn.close();
            res.writeHead(204).end();
          }
        } else {
          res.setHeader('allow', 'GET, POST, DELETE');
          replyError(res, 'method_not_allowed', `${req.method} is not served at ${SSE_PATH}.`);
        }
      };

      const others = takeRequestListeners(server);
      const onRequest: Listener = (req, res) => {
        if (isSsePath(req.url)) handle(req, res);
        else for (const listener of others) listener.call(server, req, res);
      };
      server.on('request', onRequest);

      const heartbeat = setInterval(() => {
        for (const { conn } of streams.values()) conn.heartbeat();
      }, config.pingIntervalMs);
      heartbeat.unref();

      stopped = async () => {
        clearInterval(heartbeat);
        const closing = [...streams.values()].map(({ conn }) => conn);
        for (const conn of closing) conn.close();
        server.off('request', onRequest);
        for (const listener of others) server.on('request', listener);
      };
    },
    async stop() {
      await stopped?.();
      stopped = undefined;
    },
  };
}

/**
 * Lets a page on another origin use the stream: the Origin is echoed (never `*`, never credentials) and a
 * preflight answered. Which origins may connect is admission's check (403 `forbidden_origin`), as for
 * engine.io, so a refused page can read why instead of seeing only a CORS failure. True when answered here.
 */
function allowCrossOrigin(req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'origin');
  if (req.method !== 'OPTIONS') return false;
  res.setHeader('access-control-allow-methods', 'GET, POST, DELETE');
  res.setHeader('access-control-allow-headers', 'content-type, last-event-id');
  res.setHeader('access-control-max-age', '600');
  res.writeHead(204).end();
  return true;
}

/** Removes and returns the server's request listeners, so this transport can see each request first. */
function takeRequestListeners(server: Server): Listener[] {
  const listeners = server.listeners('request') as Listener[];
  server.removeAllListeners('request');
  return listeners;
}
