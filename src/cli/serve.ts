import { RedisUnavailableError } from '../redis/clients.js';
import { buildServer } from '../server/app.js';
import { ConfigError, describeConfig, loadConfig } from '../server/config.js';
import { isWorker, runPrimary, workerAddress } from './workers.js';

/** Grace period for a shutdown before the process exits anyway. */
const SHUTDOWN_MS = 5000;

/** `switchboard serve`: loads the configuration, listens, and shuts down gracefully on SIGINT/SIGTERM. */
export async function serve(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      `Usage: switchboard serve [options]\nEach option is also read from its environment variable.\n${describeConfig().join('\n')}\n`,
    );
    return;
  }
  let config: ReturnType<typeof loadConfig>;
  let app: Awaited<ReturnType<typeof buildServer>>;
  let internal: Awaited<ReturnType<typeof workerAddress>> | undefined;
  try {
    config = loadConfig(process.env, argv);
    if (config.workers > 1 && !isWorker()) {
      // Workers are nodes of one cluster: without Redis they would not share rooms, nicks or sessions.
      if (config.redisUrl === undefined)
        throw new ConfigError('--workers above 1 needs REDIS_URL (each worker is a node).');
      runPrimary(config);
      return;
    }
    if (isWorker()) {
      internal = await workerAddress(config);
      config = { ...config, advertiseUrl: internal.url };
    }
    // Building checks what the schema cannot, such as the transport names.
    app = await buildServer(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`switchboard: ${error.message}\n`);
      process.exit(2);
    }
    if (error instanceof RedisUnavailableError) {
      process.stderr.write(`switchboard: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  if (internal) {
    // Requests forwarded to this worker alone are served exactly as those on the shared port.
    const shared = app.server;
    internal.server.on('request', (req, res) => shared.emit('request', req, res));
    internal.server.on('upgrade', (req, socket, head) => shared.emit('upgrade', req, socket, head));
    const own = internal.server;
    app.addHook('onClose', async () => {
      own.closeAllConnections();
      await new Promise((resolve) => own.close(resolve));
    });
  }
  await app.listen({ port: config.port, host: config.host });
  const { port } = app.server.address() as { port: number };
  process.stdout.write(`Switchboard listening on http://${config.host}:${port}\n`);
  for (const t of app.switchboard.transports) {
    const addr = t.address?.();
    if (addr) process.stdout.write(`  ${t.name} on ${addr.host}:${addr.port}\n`);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      process.stderr.write('switchboard: shutdown took too long, exiting\n');
      process.exit(1);
    }, SHUTDOWN_MS);
    timer.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`switchboard: error during shutdown: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
