import { timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Hub } from '../core/hub.js';
import { toWire } from '../core/wire.js';
import { ProtocolError } from '../protocol/errors.js';
import { LIMITS } from '../protocol/limits.js';
import { isValidRoom } from '../protocol/names.js';
import { ByteBudget } from './byte-budget.js';
import type { Config } from './config.js';
import { HttpError } from './http-errors.js';

const RoomParams = Type.Object({ room: Type.String({ maxLength: 256 }) });
const MessagesQuery = Type.Object({
  before: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.historyMax })),
});
const PostBody = Type.Object({
  from: Type.String({ maxLength: 256 }),
  text: Type.String(),
});

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

function checkRoom(room: string): void {
  if (!isValidRoom(room))
    throw new ProtocolError('invalid_room', `Invalid room name "${room.slice(0, 80)}".`);
}

/** The REST API and health check. */
export function registerRoutes(app: FastifyInstance, hub: Hub, config: Config): void {
  // Escape-heavy texts make a page of history megabytes of JSON: bytes, not requests, are the cost.
  const historyBudget = new ByteBudget(config.historyBytesPerSec);
  app.get('/healthz', async () => ({ status: 'ok', connections: hub.sessions.size }));

  app.get('/api/rooms', async () => ({ rooms: await hub.rooms('/') }));

  app.get<{ Params: { room: string }; Querystring: { before?: number; limit?: number } }>(
    '/api/rooms/:room/messages',
    { schema: { params: RoomParams, querystring: MessagesQuery } },
    async (request, reply) => {
      const { room } = request.params;
      checkRoom(room);
      const wait = historyBudget.wait(request.ip);
      if (wait > 0) {
        reply.header('retry-after', Math.ceil(wait / 1000));
        throw new HttpError(
          'rate_limited',
          `History reads are over ${config.historyBytesPerSec} bytes per second.`,
        );
      }
      const { before, limit = LIMITS.historyDefault } = request.query;
      const { info, messages } = await hub.options.history
        .range('/', room, { limit, ...(before === undefined ? {} : { before }) })
        .catch(() => {
          throw new ProtocolError('history_unavailable');
        });
      // Serialized here, not by Fastify, so the bytes can be charged to the reader before they are sent.
      const body = JSON.stringify({ room, epoch: info.epoch, seq: info.seq, messages: messages.map(toWire) });
      historyBudget.charge(request.ip, Buffer.byteLength(body));
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );

  app.post<{ Params: { room: string }; Body: { from: string; text: string } }>(
    '/api/rooms/:room/messages',
    { schema: { params: RoomParams, body: PostBody } },
    async (request, reply) => {
      if (config.apiToken === undefined)
        throw new HttpError('api_disabled', 'Set API_TOKEN to publish over HTTP.');
      if (!tokenMatches(request.headers.authorization, config.apiToken)) {
        throw new HttpError('unauthorized', 'A valid bearer token is required.');
      }
      const message = await hub.post('/', request.params.room, request.body.from, request.body.text);
      reply.status(201);
      return { message: toWire(message) };
    },
  );
}
