import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Observer } from '../ports/observer.js';
import type { Config } from './config.js';
import { DeadlineQueue } from './deadlines.js';

/** The Fastify server options that bound what one HTTP socket may hold and for how long. */
export function httpServerOptions(config: Config) {
  return {
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    maxRequestsPerSocket: config.maxRequestsPerSocket,
  };
}

/** Resolves once `res` has finished (its last byte is in the kernel) or its socket closed. */
function settled(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    res.once('finish', resolve);
    res.once('close', resolve);
  });
}

/** Resolves once `socket` holds no more than its high-water mark of unsent bytes, or is closed. */
function drained(socket: Socket): Promise<void> {
  if (socket.destroyed || socket.writableLength <= socket.writableHighWaterMark) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.once('drain', done);
    socket.once('close', done);
  });
}

/**
 * Bounds on the HTTP port that Node and Fastify lack: requests of one socket in flight at once (a peer
 * pipelining many requests and reading none of the answers pins every answer), the unread bytes of one
 * socket (a pipelined request is handled only once the answer before it is all in the kernel, so a peer
 * that reads nothing holds one answer, not sixty), and a deadline for the peer to take each response.
 * Over the cap or the deadline is abuse: the socket is destroyed and the reason logged once.
 * Returns a function that cancels the pending deadlines.
 */
export function guardHttp(
  app: FastifyInstance,
  config: Config,
  log: FastifyBaseLogger,
  observer: Observer,
): () => void {
  const inFlight = new WeakMap<Socket, number>();
  /** The last answer begun on each socket: the next request of the socket waits for it. */
  const answered = new WeakMap<Socket, Promise<void>>();
  const writes = new DeadlineQueue<ServerResponse>(config.responseWriteTimeoutMs);
  const cut = (socket: Socket, reason: string) => {
    if (socket.destroyed) return;
    log.warn({ refused: reason, transport: 'http', ip: socket.remoteAddress }, 'refused');
    observer.refused(reason, 'http');
    socket.destroy();
  };

  app.addHook('onRequest', async (request, reply) => {
    const socket = request.raw.socket;
    const count = (inFlight.get(socket) ?? 0) + 1;
    inFlight.set(socket, count);
    reply.raw.once('close', () => inFlight.set(socket, (inFlight.get(socket) ?? 1) - 1));
    if (count > config.maxPipelinedRequests) {
      cut(socket, 'too_many_pipelined_requests');
      // The socket is gone; a hijacked reply ends this request's lifecycle without running its handler.
      reply.hijack();
      return reply;
    }
    const before = answered.get(socket);
    answered.set(socket, settled(reply.raw));
    if (before) await before;
    await drained(socket);
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    const res = reply.raw;
    const socket = request.raw.socket;
    // 'finish' comes once the last byte is in the kernel; a peer that stops reading never lets it come.
    writes.add(res, () => cut(socket, 'response_write_timeout'));
    const settled = () => writes.delete(res);
    res.once('finish', settled);
    res.once('close', settled);
    done(null, payload);
  });

  return () => writes.clear();
}
