import cluster, { type Worker } from 'node:cluster';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomNodeId } from '../server/cluster.js';
import type { Config } from '../server/config.js';

/** How a worker is told which one it is. */
const INDEX_VAR = 'SWITCHBOARD_WORKER';
/** A worker that dies this soon after it started is not restarted (it would only die again). */
const CRASH_LOOP_MS = 2000;

/** True when this process is a worker forked by `serve --workers`. */
export function isWorker(): boolean {
  return cluster.isWorker && process.env[INDEX_VAR] !== undefined;
}

/**
 * The primary of `serve --workers N`: forks N workers on the same ports, restarts one that dies (unless it
 * died at once), and on SIGINT/SIGTERM passes the signal on and exits when every worker has.
 * Each worker is a node of its own: NODE_ID-wI (NODE_ID, or one random id for the whole machine).
 */
export function runPrimary(config: Config): void {
  const base = (config.nodeId ?? randomNodeId()).slice(0, 28);
  let stopping = false;
  const started = new Map<Worker, { index: number; at: number }>();
  const fork = (index: number) => {
    const worker = cluster.fork({ [INDEX_VAR]: String(index), NODE_ID: `${base}-w${index}` });
    started.set(worker, { index, at: Date.now() });
  };
  for (let i = 1; i <= config.workers; i++) fork(i);
  cluster.on('exit', (worker, code, signal) => {
    const info = started.get(worker);
    started.delete(worker);
    if (stopping) {
      if (started.size === 0) process.exit(0);
      return;
    }
    if (!info) return;
    const quick = Date.now() - info.at < CRASH_LOOP_MS;
    process.stderr.write(
      `switchboard: worker ${info.index} exited (${signal ?? code})${quick ? '; not restarted: it died at start' : '; restarting it'}\n`,
    );
    if (!quick) fork(info.index);
    else if (started.size === 0) process.exit(1);
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const worker of started.keys()) worker.process.kill(signal);
    if (started.size === 0) process.exit(0);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/**
 * A worker's own address for requests other nodes forward to it. The shared port reaches whichever worker
 * the primary picks, so each worker also listens alone (not shared with the others) on a port of its own,
 * and advertises that: ADVERTISE_URL's host with this port, else 127.0.0.1.
 */
export async function workerAddress(config: Config): Promise<{ server: Server; url: string }> {
  const server = createServer();
  const host = config.advertiseUrl === undefined ? '127.0.0.1' : new URL(config.advertiseUrl).hostname;
  const bindHost = config.advertiseUrl === undefined ? '127.0.0.1' : config.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: bindHost, exclusive: true }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}` };
}
