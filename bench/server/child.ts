import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { buildServer } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';
import { TRANSPORTS } from '../../transports/index.js';
import type { ServerKind } from '../targets.js';
import { startCeiling } from './ceiling.js';
import { startSocketIo } from './socketio.js';

/** What the parent may ask a server child. */
export type ServerRequest = { type: 'usage'; id: number; gc: boolean; mark?: 'start' | 'stop' };
/** What a server child tells its parent. */
export type ServerReply =
  | { type: 'ready'; port: number; tcpPort?: number }
  | {
      type: 'usage';
      id: number;
      cpu: NodeJS.CpuUsage;
      mem: NodeJS.MemoryUsage;
      lag: { p99Ms: number; maxMs: number };
    };

/** Starts Switchboard as `switchboard serve` would, with every transport on main and no rate limit. */
async function startSwitchboard(): Promise<{ port: number; tcpPort?: number }> {
  const config = loadConfig({}, [], {
    port: 0,
    host: '127.0.0.1',
    tcpPort: 0,
    ratePerSec: 0,
    // Every bench client comes from 127.0.0.1: the per-address admission limits would refuse them.
    maxConnectionsPerIp: 0,
    maxConnections: 0,
    handshakesPerIpPerSec: 0,
    logLevel: 'silent',
    transports: Object.keys(TRANSPORTS),
    // Set by the runner for the Redis targets (issue 9); absent, the embedded bus.
    ...(process.env.BENCH_REDIS_URL ? { redisUrl: process.env.BENCH_REDIS_URL } : {}),
    ...(process.env.BENCH_NODE_ID ? { nodeId: process.env.BENCH_NODE_ID } : {}),
  });
  const app = await buildServer(config, { serveWeb: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const tcp = app.switchboard.transports.find((t) => t.name === 'tcp')?.address?.();
  return { port: (app.server.address() as AddressInfo).port, ...(tcp ? { tcpPort: tcp.port } : {}) };
}

async function start(kind: ServerKind): Promise<{ port: number; tcpPort?: number }> {
  if (kind === 'switchboard') return startSwitchboard();
  const server = kind === 'socketio' ? await startSocketIo() : await startCeiling();
  return { port: (server.address() as AddressInfo).port };
}

function reply(message: ServerReply): void {
  process.send?.(message);
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Where to write the CPU profile of the measured window (set by `--profile`). */
const PROFILE = process.env.BENCH_PROFILE;
let profiler: Session | undefined;
/** Where to write heap snapshots at the marks instead (set by `--profile` on the memory workload). */
const HEAP = process.env.BENCH_HEAP;

/** Starts or stops the window's CPU profile; the profiler's own cost stays outside the usage figures. */
async function profile(mark: 'start' | 'stop' | undefined): Promise<void> {
  if (HEAP && mark) {
    // Taken after the usage figures were read: the snapshot's own garbage is not counted.
    writeHeapSnapshot(`${HEAP}-${mark === 'start' ? 'base' : 'idle'}.heapsnapshot`);
    return;
  }
  if (!PROFILE || !mark) return;
  if (mark === 'start' && !profiler) {
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  } else if (mark === 'stop' && profiler) {
    const { profile: result } = await profiler.post('Profiler.stop');
    writeFileSync(PROFILE, JSON.stringify(result));
    profiler.disconnect();
    profiler = undefined;
  }
}

// Event-loop delay between two usage questions: what the server's own work (or a storm of connects)
// makes every other connection wait.
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();

/** The delay since the last call, ms, and a fresh start for the next. */
function lagSinceLast(): { p99Ms: number; maxMs: number } {
  const lag = { p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6 };
  loop.reset();
  return lag;
}

process.on('message', (request: ServerRequest) => {
  if (request.type !== 'usage') return;
  const lag = lagSinceLast();
  if (request.gc && gc) {
    gc();
    gc();
  }
  const usage = { cpu: process.cpuUsage(), mem: process.memoryUsage(), lag };
  profile(request.mark).then(
    () => reply({ type: 'usage', id: request.id, ...usage }),
    (error: unknown) => {
      process.stderr.write(`bench server: profiling failed: ${String(error)}\n`);
      reply({ type: 'usage', id: request.id, ...usage });
    },
  );
});
// The parent going away ends the bench: never outlive it.
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));

start(process.argv[2] as ServerKind).then(
  (ports) => reply({ type: 'ready', ...ports }),
  (error: unknown) => {
    process.stderr.write(`bench server: ${String(error)}\n`);
    process.exit(1);
  },
);
