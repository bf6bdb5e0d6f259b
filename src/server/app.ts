import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, LogController } from 'fastify';
import fp from 'fastify-plugin';
import { TRANSPORTS } from '../../transports/index.js';
import { createTokenVerifier } from '../auth/verifier.js';
import type { Bus } from '../bus/bus.js';
import { LocalBus } from '../bus/local.js';
import { Hub } from '../core/hub.js';
import type { History } from '../history/history.js';
import { MemoryHistory } from '../history/memory.js';
import type { Authenticate } from '../ports/admission.js';
import { NO_OBSERVER } from '../ports/observer.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { replyError, replyNotFound } from './http-errors.js';
import { guardHttp, httpServerOptions } from './http-guards.js';
import { newEpoch, newId } from './ids.js';
import { loggingRefusals, Metrics } from './metrics.js';
import { registerRoutes } from './routes.js';
import type { Transport } from './transport.js';

/** Options of the Switchboard Fastify plugin. */
export interface SwitchboardOptions {
  config: Config;
  /** History backend; MemoryHistory when absent. */
  history?: History;
  /** Bus backend; LocalBus when absent. */
  bus?: Bus;
  /**
   * Decides who a hello (and a refresh) is: an identity, which can fix the nick, the rooms and the expiry,
   * or a refusal. Without it, `config.authSecret` enables the built-in HS256 token verifier; with neither,
   * every hello may open a session.
   */
  authenticate?: Authenticate;
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

/** The Authenticate the server uses: the plugin's own, else the built-in verifier when AUTH_SECRET is set. */
function authenticationOf(options: SwitchboardOptions): Authenticate | undefined {
  if (options.authenticate) return options.authenticate;
  const secret = options.config.authSecret;
  return secret === undefined ? undefined : createTokenVerifier({ secret, clock: Date.now });
}

/** The gateway: hub, transports, REST API, page; closes every connection on shutdown. */
const plugin: FastifyPluginAsync<SwitchboardOptions> = async (app, options) => {
  // A copy: the port is set to the real one on listen, and the caller's object is not ours to change.
  const config: Config = { ...options.config };
  const history = options.history ?? new MemoryHistory({ limit: config.historyLimit, newEpoch });
  const bus = options.bus ?? new LocalBus();
  const authenticate = authenticationOf(options);
  const metrics = config.metrics ? new Metrics() : undefined;
  const observer = loggingRefusals(metrics ?? NO_OBSERVER, app.log);
  const hub = new Hub({
    history,
    bus,
    clock: Date.now,
    defer: (fn) => setImmediate(fn),
    newId,
    limits: config,
    allowedOrigins: config.allowedOrigins,
    ...(authenticate ? { authenticate } : {}),
    observer,
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
  const started: Transport[] = [];
  try {
    for (const transport of transports) {
      await transport.start({ hub, server: app.server, config, log: app.log, observer });
      started.push(transport);
    }
  } catch (error) {
    // One transport could not start (a port in use): leave nothing of the others behind.
    await Promise.all(started.map((t) => t.stop()));
    throw error;
  }
  const address = () => {
    const bound = app.server.address();
    return bound && typeof bound === 'object'
      ? { host: (bound as AddressInfo).address, port: bound.port }
      : undefined;
  };
  app.decorate('switchboard', { hub, config, transports, metrics, address });
  const stopGuards = guardHttp(app, config, app.log, metrics ?? NO_OBSERVER);
  // The routes in a scope of their own: the host's error and not-found handlers stay the host's, and ours
  // answer `{ statusCode, code, message }` for every route of the plugin.
  await app.register(
    async (scope) => {
      scope.setErrorHandler(replyError);
      if (scope.prefix !== '') scope.setNotFoundHandler(replyNotFound);
      await registerRoutes(scope, hub, config, metrics);
    },
    { prefix: options.prefix ?? '' },
  );
  app.addHook('onListen', async () => {
    const bound = address();
    if (bound) config.port = bound.port;
  });
  if (options.serveWeb !== false) await app.register(fastifyStatic, { root: WEB_ROOT });

  // One timer for every session's expiry; the hub keeps them in deadline order.
  const sweep = authenticate ? setInterval(() => hub.expire(Date.now()), EXPIRY_SWEEP_MS) : undefined;
  sweep?.unref();

  app.addHook('preClose', async () => {
    clearInterval(sweep);
    hub.shutdown();
    await Promise.all(transports.map((t) => t.stop()));
  });
  app.addHook('onClose', async () => {
    stopGuards();
    await Promise.all([history.close(), bus.close()]);
  });
};

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
