import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  LogController,
} from 'fastify';
import fp from 'fastify-plugin';
import { TRANSPORTS } from '../../transports/index.js';
import { createTokenVerifier } from '../auth/verifier.js';
import type { Bus } from '../bus/bus.js';
import { LocalBus } from '../bus/local.js';
import { Hub } from '../core/hub.js';
import { MemoryPresence } from '../core/memory-presence.js';
import type { History } from '../history/history.js';
import { LocalMessageLog } from '../history/local-log.js';
import { MemoryHistory } from '../history/memory.js';
import type { Authenticate } from '../ports/admission.js';
import type { Hooks } from '../ports/hooks.js';
import type { MessageLog } from '../ports/message-log.js';
import { NO_OBSERVER } from '../ports/observer.js';
import type { Presence } from '../ports/presence.js';
import { createAdmission } from './admission.js';
import { advertiseUrl, type ClusterBackends, connectCluster, registerReadyz } from './cluster.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { replyError, replyNotFound } from './http-errors.js';
import { guardHttp, httpServerOptions } from './http-guards.js';
import { createHttpHooks } from './http-hooks.js';
import { newEpoch, newId } from './ids.js';
import { loggingRefusals, Metrics } from './metrics.js';
import { type RoomHandle, roomHandle } from './room-api.js';
import { registerRoutes } from './routes.js';
import type { Transport } from './transport.js';

/** Options of the Switchboard Fastify plugin. */
export interface SwitchboardOptions {
  config: Config;
  /** The message log (numbers and distributes messages); when absent, a LocalMessageLog over `history`. */
  messageLog?: MessageLog;
  /** History backend of the default message log; MemoryHistory when absent. Ignored with `messageLog`. */
  history?: History;
  /** Bus backend; LocalBus when absent. */
  bus?: Bus;
  /** Presence backend (nicks, members, session owners); MemoryPresence when absent. */
  presence?: Presence;
  /** This node's id in presence. @default config.nodeId, else 'local' */
  nodeId?: string;
  /**
   * Decides who a hello (and a refresh) is: an identity, which can fix the nick, the rooms and the expiry,
   * or a refusal. Without it, `config.authSecret` enables the built-in HS256 token verifier; with neither,
   * every hello may open a session.
   */
  authenticate?: Authenticate;
  /**
   * The application's logic: hooks that allow, refuse or rewrite join, say and emit, and handlers that
   * answer custom events (docs/server-api.md). Without it, `config.hookUrl` sends them to a backend over HTTP.
   */
  hooks?: Hooks;
  /** Serve the chat page from web/ (at `/`, not under `prefix`). @default true */
  serveWeb?: boolean;
  /**
   * Path prefix for the plugin's HTTP routes, `/healthz`, `/metrics` and `/api/*` (`'/chat'` serves `/chat/api/rooms`).
   * The transports (`/engine.io/`, `/ws`, `/sse/`) and the page keep their paths. @default ''
   */
  prefix?: string;
}

/** What the plugin adds to the Fastify instance as `app.switchboard`. */
export interface SwitchboardDecoration {
  hub: Hub;
  /** The configuration in use; `port` is the real one once the server listens (port 0 picks one). */
  config: Config;
  transports: Transport[];
  /** This server's metrics (its own registry), or undefined with METRICS off. */
  metrics: Metrics | undefined;
  /** A room of namespace `ns` (default `/`) for server code: `to('lobby').say('hi')`, `.emit('tick', data)`, on every node. */
  to(room: string, options?: { ns?: string }): RoomHandle;
  /** The address the HTTP server listens on, or undefined before it listens. */
  address(): { host: string; port: number } | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    switchboard: SwitchboardDecoration;
  }
}

/** The package root: the nearest folder above this module with a package.json (works from src/ and dist/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const WEB_ROOT = join(packageRoot(), 'web', 'public');

/** How often expired identities are looked for: a session outlives its token by at most this, ms. */
const EXPIRY_SWEEP_MS = 500;

/** How often a deadline sweep runs: a tenth of its timeout, between 20 ms and `most`. */
function sweepEveryMs(timeoutMs: number, most: number): number {
  return Math.min(most, Math.max(20, Math.floor(timeoutMs / 10)));
}

/**
 * Starts the hub's deadline sweeps, one timer each for every session: identity expiry (with
 * authentication), hello deadlines, idle rooms past ROOM_IDLE_TTL_MS, presence grace. The hub keeps each
 * in deadline order, so a sweep touches only what is due. Returns what stops them all.
 */
function startSweeps(hub: Hub, config: Config, authenticates: boolean): () => void {
  const sweeps: [run: (now: number) => void, everyMs: number, on: boolean][] = [
    [(now) => hub.expire(now), EXPIRY_SWEEP_MS, authenticates],
    [(now) => hub.expireHellos(now), sweepEveryMs(config.helloTimeoutMs, 1000), config.helloTimeoutMs > 0],
    [(now) => hub.sweepIdle(now), sweepEveryMs(config.roomIdleTtlMs, 10_000), config.roomIdleTtlMs > 0],
    [(now) => hub.sweepParked(now), sweepEveryMs(config.presenceGraceMs, 1000), config.presenceGraceMs > 0],
  ];
  const timers = sweeps
    .filter(([, , on]) => on)
    .map(([run, everyMs]) => setInterval(() => run(Date.now()), everyMs).unref());
  return () => {
    for (const timer of timers) clearInterval(timer);
  };
}

/** The Authenticate the server uses: the plugin's own, else the built-in verifier when AUTH_SECRET is set. */
function authenticationOf(options: SwitchboardOptions): Authenticate | undefined {
  if (options.authenticate) return options.authenticate;
  const secret = options.config.authSecret;
  return secret === undefined ? undefined : createTokenVerifier({ secret, clock: Date.now });
}

/** The hooks the hub runs: the plugin's own, else HOOK_URL's over HTTP, else none. */
function hooksOf(options: SwitchboardOptions, config: Config, log: FastifyBaseLogger): Hooks | undefined {
  if (options.hooks) return options.hooks;
  if (config.hookUrl === undefined) return undefined;
  return createHttpHooks({
    url: config.hookUrl,
    on: config.hookOn,
    events: config.hookEvents,
    timeoutMs: config.hookTimeoutMs,
    token: config.hookToken,
    onError: (err) => log.warn({ err }, 'HOOK_URL failed: the request was answered hook_unavailable'),
  });
}

/** The gateway: hub, transports, REST API, page; closes every connection on shutdown. */
const plugin: FastifyPluginAsync<SwitchboardOptions> = async (app, options) => {
  // A copy: the port is set to the real one on listen, and the caller's object is not ours to change.
  const config: Config = { ...options.config };
  // REDIS_URL: every node shares the message log, bus and presence; start-up fails if Redis is unreachable.
  const cluster =
    config.redisUrl === undefined
      ? undefined
      : await connectCluster({ ...config, redisUrl: config.redisUrl }, app.log, newEpoch);
  const log =
    options.messageLog ??
    cluster?.messageLog ??
    new LocalMessageLog(options.history ?? new MemoryHistory({ limit: config.historyLimit, newEpoch }));
  const bus = options.bus ?? cluster?.bus ?? new LocalBus();
  const presence = options.presence ?? cluster?.presence ?? new MemoryPresence();
  const authenticate = authenticationOf(options);
  const metrics = config.metrics ? new Metrics() : undefined;
  const observer = loggingRefusals(metrics ?? NO_OBSERVER, app.log);
  const hooks = hooksOf(options, config, app.log);
  const hub = new Hub({
    log,
    bus,
    presence,
    nodeId: options.nodeId ?? cluster?.nodeId ?? config.nodeId ?? 'local',
    clock: Date.now,
    defer: (fn) => setImmediate(fn),
    newId,
    limits: config,
    ...(authenticate ? { authenticate } : {}),
    observer,
    ...(hooks ? { hooks } : {}),
    onError: (error, context) => app.log.error({ err: error, context }, 'switchboard error'),
  });
  const transports = config.transports.map((name) => {
    const factory = TRANSPORTS[name];
    if (!factory) {
      throw new ConfigError(
        `Unknown transport "${name}" in TRANSPORTS (known: ${Object.keys(TRANSPORTS).join(', ')}).`,
      );
    }
    return factory();
  });
  const directory = cluster && {
    nodeId: cluster.nodeId,
    locate: (node: string) => cluster.directory.lookup(node),
    unreachable: (node: string) => cluster.directory.forget(node),
  };
  // Subscribed before any client connects, so nothing published from now on is missed here.
  await startCluster(cluster);
  // One admission for every transport: the per-address counts are the process's, whatever the wire.
  // Each refusal is counted and logged once, with the address it came from.
  const admission = createAdmission(config, Date.now, (refusal, handshake) => {
    (metrics ?? NO_OBSERVER).refused(refusal.code, handshake.transport);
    app.log.warn(
      { refused: refusal.code, transport: handshake.transport, ip: handshake.remoteAddress },
      'refused',
    );
  });
  const started: Transport[] = [];
  try {
    for (const transport of transports) {
      await transport.start({
        hub,
        server: app.server,
        config,
        log: app.log,
        admission,
        directory,
        observer,
      });
      started.push(transport);
    }
  } catch (error) {
    // One transport could not start (a port in use): leave nothing of the others behind.
    await Promise.all(started.map((t) => t.stop()));
    await cluster?.close();
    throw error;
  }
  const address = () => {
    const bound = app.server.address();
    return bound && typeof bound === 'object'
      ? { host: (bound as AddressInfo).address, port: bound.port }
      : undefined;
  };
  const to = (room: string, opts: { ns?: string } = {}) => roomHandle(hub, room, opts.ns);
  app.decorate('switchboard', { hub, config, transports, metrics, to, address });
  const stopGuards = guardHttp(app, config, app.log, metrics ?? NO_OBSERVER);
  // The routes in a scope of their own: the host's error and not-found handlers stay the host's, and ours
  // answer `{ statusCode, code, message }` for every route of the plugin.
  await app.register(
    async (scope) => {
      scope.setErrorHandler(replyError);
      if (scope.prefix !== '') scope.setNotFoundHandler(replyNotFound);
      await registerRoutes(scope, hub, config, metrics);
      registerReadyz(scope, cluster ? cluster.ready : () => true);
    },
    { prefix: options.prefix ?? '' },
  );
  app.addHook('onListen', async () => {
    const bound = address();
    if (bound) config.port = bound.port;
    // Only now is the port known (port 0 picks one); other nodes forward this node's sessions here.
    if (bound && cluster) await cluster.directory.advertise(advertiseUrl(config, bound));
  });
  if (options.serveWeb !== false) await app.register(fastifyStatic, { root: WEB_ROOT });

  const stopSweeps = startSweeps(hub, config, authenticate !== undefined);

  app.addHook('preClose', async () => {
    stopSweeps();
    hub.shutdown();
    await Promise.all(transports.map((t) => t.stop()));
  });
  app.addHook('onClose', async () => {
    stopGuards();
    await Promise.all([log.close(), bus.close()]);
    // The cluster's presence stops heart-beating and takes this node's members out; then its connections go.
    await (cluster ? cluster.close() : presence.close());
  });
};

/** Starts presence (heart-beat, reap) and waits until the log and the bus are subscribed. */
async function startCluster(cluster: ClusterBackends | undefined): Promise<void> {
  if (!cluster) return;
  await Promise.all([cluster.messageLog.listening(), cluster.bus.listening(), cluster.start()]);
}

/** The gateway as a Fastify plugin, for an existing app: `app.register(switchboard, { config })`. */
export const switchboard = fp(plugin, { name: 'switchboard', fastify: '5.x' });

/** Builds the Fastify app for `config` without listening; tests listen on port 0. */
export async function buildServer(
  config: Config = loadConfig(),
  extra: Omit<SwitchboardOptions, 'config'> = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    forceCloseConnections: true,
    // A line per HTTP request (every long-poll) drowns the log; keep them for debug and trace.
    logController: new LogController({
      disableRequestLogging: !['debug', 'trace'].includes(config.logLevel),
    }),
    bodyLimit: config.maxFrameBytes,
    ...httpServerOptions(config),
  });
  // Node cuts a request whose headers take longer than this; it must not outlast the whole request's bound.
  if (config.requestTimeoutMs > 0)
    app.server.headersTimeout = Math.min(app.server.headersTimeout, config.requestTimeoutMs);
  app.setErrorHandler(replyError);
  app.setNotFoundHandler(replyNotFound);
  await app.register(switchboard, { config, ...extra });
  return app;
}
