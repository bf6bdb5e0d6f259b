import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { nickKey } from '../protocol/names.js';
import { RedisBus } from '../redis/bus.js';
import { RedisClients } from '../redis/clients.js';
import { RedisMessageLog } from '../redis/history.js';
import { NodeDirectory } from '../redis/node-directory.js';
import { RedisPresence } from '../redis/presence.js';
import type { Config } from './config.js';

/** Where the cluster backends report trouble; Fastify's logger fits. */
export interface ClusterLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** The Redis backends of one node, connected and started. */
export interface ClusterBackends {
  /** NODE_ID, or the random id picked for this run. */
  nodeId: string;
  clients: RedisClients;
  messageLog: RedisMessageLog;
  bus: RedisBus;
  presence: RedisPresence;
  /** Where every node is reached, for polling requests forwarded to a session's owner. */
  directory: NodeDirectory;
  /** Starts presence (heart-beat, reap this node's leftovers); register presence.onDeparted first. */
  start(): Promise<void>;
  /** True while Redis is reachable: GET /readyz. */
  ready(): boolean;
  /** Stops the heartbeat (taking this node's presence out) and closes the connections. */
  close(): Promise<void>;
}

/** A node id for a run without NODE_ID: 8 hex digits, safe inside engine.io session ids and Redis keys. */
export function randomNodeId(): string {
  return randomBytes(4).toString('hex');
}

/**
 * Connects to REDIS_URL and builds every Redis adapter (start presence with `start()`); rejects with RedisUnavailableError (one line naming
 * REDIS_URL) when Redis cannot be reached, so start-up fails before listening.
 */
export async function connectCluster(
  config: Config & { redisUrl: string },
  log: ClusterLog,
  newEpoch: () => string,
): Promise<ClusterBackends> {
  const nodeId = config.nodeId ?? randomNodeId();
  const clients = await RedisClients.connect({
    url: config.redisUrl,
    onDown: (err) =>
      log.warn({ err }, 'redis unreachable: appends fail with history_unavailable until it is back'),
    onUp: () => log.info({}, 'redis reachable again'),
  });
  const onError = (err: Error) => log.warn({ err }, 'redis operation failed');
  const messageLog = new RedisMessageLog({ clients, limit: config.historyLimit, newEpoch, onError });
  const bus = new RedisBus({ clients, onError });
  // Nicks fold as in one process: case and confusables (`аlice` is `alice`).
  const presence = new RedisPresence({ clients, nodeId, onError, fold: nickKey });
  const directory = new NodeDirectory({ clients, nodeId, onError });
  return {
    nodeId,
    clients,
    messageLog,
    bus,
    presence,
    directory,
    start: () => presence.start(),
    ready: () => clients.ready(),
    close: async () => {
      await Promise.all([presence.close(), directory.close()]);
      await clients.close();
    },
  };
}

/** GET /readyz: 200 while every backend is reachable, else 503 `not_ready` (a balancer stops sending). */
export function registerReadyz(app: FastifyInstance, ready: () => boolean): void {
  app.get('/readyz', async (_request, reply) => {
    if (ready()) return { status: 'ready' };
    return reply
      .status(503)
      .send({ statusCode: 503, code: 'not_ready', message: 'Redis (REDIS_URL) is unreachable.' });
  });
}

/** The URL other nodes reach this one at: ADVERTISE_URL, else the address it listens on (a wildcard one
 * replaced by the first external IPv4 address, else loopback). */
export function advertiseUrl(config: Config, bound: { host: string; port: number }): string {
  if (config.advertiseUrl !== undefined) return config.advertiseUrl;
  let host = bound.host;
  if (host === '0.0.0.0' || host === '::') {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal);
    host = external?.address ?? '127.0.0.1';
  }
  return `http://${host.includes(':') ? `[${host}]` : host}:${bound.port}`;
}
