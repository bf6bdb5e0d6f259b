import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { LoadMessage, LoadRequest, UsageReply } from './load/context.js';
import { machineCpuSeconds, processCpuSeconds } from './machine.js';
import type { Scenario } from './plan.js';
import type { ScenarioResult } from './result.js';
import type { ServerReply, ServerRequest } from './server/child.js';
import { type BenchRedis, startRedis } from './server/redis.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SERVER_CHILD = join(HERE, 'server', 'child.js');
const LOAD_CHILD = join(HERE, 'load', 'child.js');
/** How long a server child may take to listen. */
const READY_MS = 15_000;

/** Options for running one scenario. */
export interface RunOptions {
  /** Where the server child writes a CPU profile of each measured window; none when unset. */
  profileDir?: string;
  /** Told each progress line of the load child. */
  onProgress?: (text: string) => void;
}

/** Stops a child: SIGTERM, then SIGKILL if it is still there after 3 s; resolves when it exited. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Forks the server child for the scenario's target and waits until it listens. */
function startServer(
  scenario: Scenario,
  options: RunOptions,
  extraEnv: Record<string, string> = {},
): Promise<{ child: ChildProcess; ready: ServerReply }> {
  const node = extraEnv.BENCH_NODE_ID ?? extraEnv.BENCH_SHARD;
  const suffix = node ? `-${node}` : '';
  const child = fork(SERVER_CHILD, [scenario.target.server], {
    execArgv: ['--expose-gc'],
    env: {
      ...process.env,
      ...extraEnv,
      ...(options.profileDir && scenario.workload === 'memory'
        ? { BENCH_HEAP: join(options.profileDir, `memory-${scenario.target.id}-${scenario.n}${suffix}`) }
        : options.profileDir
          ? {
              BENCH_PROFILE: join(
                options.profileDir,
                profileName(scenario).replace('.cpuprofile', `${suffix}.cpuprofile`),
              ),
            }
          : {}),
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start in time')), READY_MS);
    child.once('message', (m: ServerReply) => {
      clearTimeout(timer);
      resolve({ child, ready: m });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}`));
    });
  });
}

/**
 * Runs one scenario: the server in one child process, the load generator in another, this process
 * relaying the load generator's questions about the server's CPU and memory. Bounded by the plan's
 * scenario timeout; both children are stopped at the end, whatever happened.
 */
export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<ScenarioResult> {
  const shards = scenario.workload === 'scale' ? scenario.plan.scale.shards : 1;
  if (shards <= 1) return runPipeline(scenario, options);
  const started = performance.now();
  const share = { ...scenario, n: Math.floor(scenario.n / shards) };
  const parts = await Promise.all(
    Array.from({ length: shards }, (_, i) => runPipeline(share, options, `shard${i + 1}`)),
  );
  const failed = parts.find((p) => !p.ok);
  return {
    ...(failed ?? (parts[0] as ScenarioResult)),
    n: share.n * shards,
    figures: failed ? {} : mergeShards(parts.map((p) => p.figures)),
    elapsedMs: performance.now() - started,
  };
}

/**
 * The figures of shards that ran at once, as one scenario: rates add up, per-connection costs are the
 * mean (every shard holds the same number), lags and other load are the worst shard's.
 */
export function mergeShards(parts: readonly Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of new Set(parts.flatMap((p) => Object.keys(p)))) {
    const values = parts.map((p) => p[name] ?? Number.NaN);
    if (name.endsWith('PerSec')) out[name] = values.reduce((a, b) => a + b, 0);
    else if (name.endsWith('PerConn')) out[name] = values.reduce((a, b) => a + b, 0) / values.length;
    else out[name] = Math.max(...values);
  }
  return out;
}

/** One server (two for a cross-node Redis target) and one load generator, for one scenario. */
async function runPipeline(scenario: Scenario, options: RunOptions, shard?: string): Promise<ScenarioResult> {
  const started = performance.now();
  const base = {
    kind: 'result',
    workload: scenario.workload,
    target: scenario.target.id,
    n: scenario.n,
  } as const;
  const servers: ChildProcess[] = [];
  let load: ChildProcess | undefined;
  let redis: BenchRedis | undefined;
  try {
    const topology = scenario.target.redis;
    if (topology) redis = await startRedis();
    const nodes = topology === 'cross' ? ['bench-a', 'bench-b'] : topology ? ['bench-a'] : [undefined];
    const readies: ServerReply[] = [];
    for (const node of nodes) {
      const env: Record<string, string> =
        redis && node
          ? { BENCH_REDIS_URL: redis.url, BENCH_NODE_ID: node }
          : shard
            ? { BENCH_SHARD: shard }
            : {};
      const started_ = await startServer(scenario, options, env);
      servers.push(started_.child);
      if (started_.ready.type !== 'ready') throw new Error('unexpected first message from the server');
      readies.push(started_.ready);
    }
    const ready = readies.at(-1) as ServerReply & { type: 'ready' };
    const senderReady = readies[0] as ServerReply & { type: 'ready' };
    const loadChild = fork(LOAD_CHILD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    load = loadChild;
    // With two nodes, a usage answer is the sum of both nodes' CPU (memory: the subscribers' node).
    const pending = new Map<
      number,
      {
        loadId: number;
        left: number;
        cpu: NodeJS.CpuUsage;
        mem?: NodeJS.MemoryUsage;
        lag?: { p99Ms: number; maxMs: number };
      }
    >();
    let nextId = 1;
    servers.forEach((serverChild, i) => {
      serverChild.on('message', (m: ServerReply) => {
        if (m.type !== 'usage') return;
        const entry = pending.get(m.id);
        if (!entry) return;
        entry.cpu = { user: entry.cpu.user + m.cpu.user, system: entry.cpu.system + m.cpu.system };
        if (i === servers.length - 1) {
          entry.mem = m.mem;
          entry.lag = m.lag;
        }
        if (--entry.left > 0) return;
        pending.delete(m.id);
        loadChild.send({
          type: 'usage',
          id: entry.loadId,
          cpu: entry.cpu,
          mem: entry.mem ?? m.mem,
          lag: entry.lag ?? m.lag,
        } satisfies UsageReply);
      });
    });
    const outcome = new Promise<{ figures: Record<string, number>; error?: string }>((resolve) => {
      const timer = setTimeout(
        () => resolve({ figures: {}, error: `timed out after ${scenario.plan.scenarioTimeoutMs} ms` }),
        scenario.plan.scenarioTimeoutMs,
      );
      loadChild.on('message', (m: LoadMessage) => {
        if (m.type === 'usage') {
          const id = nextId++;
          pending.set(id, { loadId: m.id, left: servers.length, cpu: { user: 0, system: 0 } });
          for (const serverChild of servers)
            serverChild.send({
              type: 'usage',
              id,
              gc: m.gc,
              ...(m.mark ? { mark: m.mark } : {}),
            } satisfies ServerRequest);
        } else if (m.type === 'progress') {
          options.onProgress?.(m.text);
        } else {
          clearTimeout(timer);
          resolve(m.error === undefined ? { figures: m.figures } : { figures: m.figures, error: m.error });
        }
      });
      loadChild.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ figures: {}, error: `load generator exited with ${code}` });
      });
      for (const serverChild of servers)
        serverChild.once('exit', (code) => {
          clearTimeout(timer);
          resolve({ figures: {}, error: `server exited with ${code}` });
        });
    });
    const pids = () => [...servers.map((c) => c.pid), loadChild.pid, redis?.child.pid];
    const before = sampleCpu(pids());
    loadChild.send({
      type: 'run',
      scenario,
      address: {
        host: '127.0.0.1',
        port: ready.port,
        path: scenario.target.path,
        ...tcp(ready),
        ...(servers.length > 1 ? { senderPort: senderReady.port } : {}),
      },
    } satisfies LoadRequest);
    const { figures: measured, error } = await outcome;
    const figures = { ...measured, ...otherLoad(before, sampleCpu(pids())) };
    return {
      ...base,
      ok: error === undefined,
      ...(error === undefined ? {} : { error }),
      figures,
      elapsedMs: performance.now() - started,
    };
  } catch (error) {
    return {
      ...base,
      ok: false,
      error: error instanceof Error ? error.message : String(error),
      figures: {},
      elapsedMs: performance.now() - started,
    };
  } finally {
    await Promise.all([load && stop(load), ...servers.map(stop), redis && stop(redis.child)]);
  }
}

/** The profile file of a scenario: workload, target and size. */
function profileName(scenario: Scenario): string {
  return `${scenario.workload}-${scenario.target.id}-${scenario.n}.cpuprofile`;
}

interface CpuSample {
  at: number;
  machine: { busy: number; steal: number } | undefined;
  /** CPU seconds of the bench's own processes (both children and this one). */
  ours: number;
}

function sampleCpu(pids: readonly (number | undefined)[]): CpuSample {
  const self = process.cpuUsage();
  const children = pids.reduce((sum: number, pid) => sum + (processCpuSeconds(pid) ?? 0), 0);
  return {
    at: performance.now(),
    machine: machineCpuSeconds(),
    ours: children + (self.user + self.system) / 1e6,
  };
}

/**
 * What else ran while the scenario did, in % of one core: other processes on this machine, and CPU
 * the hypervisor gave to other machines (steal). Either skews the figures; the report shows them.
 */
function otherLoad(a: CpuSample, b: CpuSample): Record<string, number> {
  if (!a.machine || !b.machine) return {};
  const seconds = (b.at - a.at) / 1000;
  if (seconds <= 0) return {};
  const other = b.machine.busy - a.machine.busy - (b.ours - a.ours);
  return {
    otherCpuPct: Math.max(0, (other / seconds) * 100),
    stealPct: ((b.machine.steal - a.machine.steal) / seconds) * 100,
  };
}

function tcp(ready: ServerReply): { tcpPort?: number } {
  return ready.type === 'ready' && ready.tcpPort !== undefined ? { tcpPort: ready.tcpPort } : {};
}
