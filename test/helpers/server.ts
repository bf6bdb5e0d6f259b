import type { FastifyInstance } from 'fastify';
import { afterEach } from 'vitest';
import { buildServer, type SwitchboardOptions } from '../../src/server/app.js';
import { type Config, loadConfig } from '../../src/server/config.js';

/** A real gateway listening on an ephemeral port of 127.0.0.1; `await using` closes it. */
export interface TestServer extends AsyncDisposable {
  app: FastifyInstance;
  config: Config;
  port: number;
  /** http://127.0.0.1:PORT */
  url: string;
  /** The TCP lines port when the tcp transport runs, else 0. */
  tcpPort: number;
  close(): Promise<void>;
}

/** Starts a gateway with test-friendly defaults (silent, ports 0) and the given overrides. */
export async function startServer(
  overrides: Partial<Config> = {},
  extra: Omit<SwitchboardOptions, 'config'> = {},
): Promise<TestServer> {
  const config = loadConfig({}, [], {
    logLevel: 'silent',
    port: 0,
    tcpPort: 0,
    host: '127.0.0.1',
    ...overrides,
  });
  const app = await buildServer(config, extra);
  await app.listen({ port: config.port, host: config.host });
  const { port } = app.server.address() as { port: number };
  const tcpPort = app.switchboard.transports.find((t) => t.name === 'tcp')?.address?.()?.port ?? 0;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await app.close();
  };
  const url = `http://127.0.0.1:${port}`;
  return { app, config, port, url, tcpPort, close, [Symbol.asyncDispose]: close };
}

/** Resolves once no open connection of `server` has nick `nick` (it may still be present, in its grace). */
export async function connectionGone(server: TestServer, nick: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ([...server.app.switchboard.hub.sessions].some((s) => s.nick === nick)) {
    if (Date.now() > deadline) throw new Error(`the connection of ${nick} is still open`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * For a test file: starts servers with the given heartbeat (engine.io's defaults unless told), each closed
 * after the test that started it.
 */
export function heartbeatServers(): (pingIntervalMs?: number, pingTimeoutMs?: number) => Promise<TestServer> {
  const servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return async (pingIntervalMs = 25_000, pingTimeoutMs = 20_000) => {
    const server = await startServer({ pingIntervalMs, pingTimeoutMs, ratePerSec: 0 });
    servers.push(server);
    return server;
  };
}
