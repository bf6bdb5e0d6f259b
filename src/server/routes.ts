import { timingSafeEqual } from 'node:crypto';
import fastifyCors from '@fastify/cors';
import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { Hub } from '../core/hub.js';
import { toWire } from '../core/wire.js';
import { ByteBudgets } from '../protocol/byte-budget.js';
import { ProtocolError } from '../protocol/errors.js';
import { LIMITS } from '../protocol/limits.js';
import { isValidNamespace, isValidRoom } from '../protocol/names.js';
import type { Config } from './config.js';
import { historyBody } from './history-body.js';
import { HttpError, replyError, replyNotFound } from './http-errors.js';
import type { Metrics } from './metrics.js';

const RoomParams = Type.Object({ room: Type.String({ maxLength: 256 }) });
const NsQuery = Type.Object({ ns: Type.Optional(Type.String({ maxLength: 256 })) });
const MessagesQuery = Type.Object({
  ns: Type.Optional(Type.String({ maxLength: 256 })),
  before: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.historyMax })),
});
const PostBody = Type.Object({
  from: Type.String({ maxLength: 256 }),
  text: Type.String(),
});

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(bearer(header) ?? '');
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

function bearer(header: string | undefined): string | undefined {
  return header?.startsWith('Bearer ') ? header.slice(7) : undefined;
}

/** The namespace of `?ns=` (default `/`); throws on an invalid one. */
function namespaceOf(ns: string | undefined): string {
  const name = ns ?? '/';
  if (!isValidNamespace(name))
    throw new HttpError('bad_request', `Invalid namespace "${name.slice(0, 64)}".`);
  return name;
}

/**
 * Reads need a bearer token once the server has any: API_TOKEN, or one the authentication hook accepts
 * for the namespace (as it would in a hello). Without either, reads are open, as the page's are.
 */
async function checkReader(hub: Hub, config: Config, header: string | undefined, ns: string): Promise<void> {
  const authenticate = hub.options.authenticate;
  if (config.apiToken === undefined && authenticate === undefined) return;
  if (config.apiToken !== undefined && tokenMatches(header, config.apiToken)) return;
  const token = bearer(header);
  if (authenticate && token !== undefined) {
    const result = await authenticate({ handshake: undefined, token, ns, nick: undefined });
    if (result.ok) return;
  }
  throw new HttpError(
    'unauthorized',
    'Reading needs a bearer token: API_TOKEN or one the authentication hook accepts.',
  );
}

function checkRoom(room: string): void {
  if (!isValidRoom(room))
    throw new ProtocolError('invalid_room', `Invalid room name "${room.slice(0, 80)}".`);
}

/**
 * The health check, `/metrics` when metrics are on, and the REST API in its own `/api` scope (CORS, error
 * and not-found handlers, body limit).
 */
export async function registerRoutes(
  app: FastifyInstance,
  hub: Hub,
  config: Config,
  metrics?: Metrics,
): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok', connections: hub.sessions.size }));
  if (metrics) registerMetrics(app, metrics, config.metricsToken);
  await app.register(async (api) => registerApi(api, hub, config), { prefix: '/api' });
}

/** `GET /metrics`: this server's series in Prometheus text format, behind METRICS_TOKEN when it is set. */
function registerMetrics(app: FastifyInstance, metrics: Metrics, token: string | undefined): void {
  app.get('/metrics', async (request, reply) => {
    if (token !== undefined && !tokenMatches(request.headers.authorization, token))
      throw new HttpError('unauthorized', 'GET /metrics needs the bearer token METRICS_TOKEN.');
    return reply.type(metrics.contentType).send(await metrics.text());
  });
}

/** The error handler of the API: the protocol's format, and a 413 that names the limit. */
function apiErrorHandler(config: Config) {
  return (
    error: FastifyError,
    request: Parameters<typeof replyError>[1],
    reply: Parameters<typeof replyError>[2],
  ) => {
    if (error.statusCode === 413)
      return replyError(
        new HttpError(
          'payload_too_large',
          `The request body is larger than ${config.maxFrameBytes} bytes (MAX_FRAME_BYTES).`,
        ),
        request,
        reply,
      );
    if (error.statusCode === 415)
      return replyError(new HttpError('unsupported_media_type', UNSUPPORTED), request, reply);
    return replyError(error, request, reply);
  };
}

const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;
const UNSUPPORTED = 'Send the body as JSON, with Content-Type: application/json.';

async function registerApi(app: FastifyInstance, hub: Hub, config: Config): Promise<void> {
  // Escape-heavy texts make a page of history megabytes of JSON: bytes, not requests, are the cost. The
  // same budget as the protocol's history reads, one second's worth of burst per address.
  const historyBudgets = new ByteBudgets({
    bytesPerSec: config.historyBytesPerSec,
    burstBytes: config.historyBytesPerSec,
    clock: Date.now,
  });
  const refuseIfSpent = (ip: string, reply: FastifyReply) => {
    const budget = historyBudgets.for(ip);
    if (budget.allows()) return budget;
    reply.header('retry-after', Math.ceil(budget.retryAfterMs() / 1000));
    throw new HttpError(
      'rate_limited',
      `History reads are over ${config.historyBytesPerSec} bytes per second.`,
    );
  };
  app.setErrorHandler(apiErrorHandler(config));
  app.setNotFoundHandler(replyNotFound);
  // Pages of other origins may read and post; which ones is ALLOWED_ORIGINS (empty: any).
  await app.register(fastifyCors, {
    origin: config.allowedOrigins.length > 0 ? [...config.allowedOrigins] : true,
    methods: ['GET', 'POST'],
    allowedHeaders: ['content-type', 'authorization'],
  });

  app.get<{ Querystring: { ns?: string } }>(
    '/rooms',
    { schema: { querystring: NsQuery } },
    async (request) => {
      const ns = namespaceOf(request.query.ns);
      await checkReader(hub, config, request.headers.authorization, ns);
      return { rooms: await hub.rooms(ns) };
    },
  );

  app.get<{ Params: { room: string }; Querystring: { ns?: string; before?: number; limit?: number } }>(
    '/rooms/:room/messages',
    { schema: { params: RoomParams, querystring: MessagesQuery } },
    async (request, reply) => {
      const { room } = request.params;
      checkRoom(room);
      const ns = namespaceOf(request.query.ns);
      await checkReader(hub, config, request.headers.authorization, ns);
      refuseIfSpent(request.ip, reply);
      const { before, limit = LIMITS.historyDefault } = request.query;
      const { info, messages } = await hub.options.log
        .range(ns, room, { limit, ...(before === undefined ? {} : { before }) })
        .catch(() => {
          throw new ProtocolError('history_unavailable');
        });
      // Asked again after the await: reads that all passed the first look together must not all be served.
      const budget = refuseIfSpent(request.ip, reply);
      const head = { room, epoch: info.epoch, seq: info.seq };
      // Charged as the bytes are made, so a page the reader stops taking costs only what it took.
      const body = historyBody(head, messages.map(toWire), budget);
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );

  app.post<{ Params: { room: string }; Querystring: { ns?: string }; Body: { from: string; text: string } }>(
    '/rooms/:room/messages',
    {
      schema: { params: RoomParams, querystring: NsQuery, body: PostBody },
      bodyLimit: config.maxFrameBytes,
      // Fastify reads no body without a content type, and a text/plain one as a string: the schema would
      // call either a bad request, when the body's type is what is wrong.
      onRequest: async (request) => {
        if (!JSON_TYPE.test(request.headers['content-type'] ?? ''))
          throw new HttpError('unsupported_media_type', UNSUPPORTED);
      },
    },
    async (request, reply) => {
      if (config.apiToken === undefined)
        throw new HttpError('api_disabled', 'Set API_TOKEN to publish over HTTP.');
      if (!tokenMatches(request.headers.authorization, config.apiToken)) {
        throw new HttpError('unauthorized', 'A valid bearer token is required.');
      }
      const ns = namespaceOf(request.query.ns);
      const message = await hub.post(ns, request.params.room, request.body.from, request.body.text);
      reply.status(201);
      return { message: toWire(message) };
    },
  );
}
