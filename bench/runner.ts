import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { LoadMessage, LoadRequest, UsageReply } from './load/context.js';
import { machineCpuSeconds, processCpuSeconds } from './machine.js';
import type { Scenario } from './plan.js';
import type { ScenarioResult } from './result.js';
import type { ServerReply, ServerRequest } from './server/child.js';

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
): Promise<{ child: ChildProcess; ready: ServerReply }> {
  const child = fork(SERVER_CHILD, [scenario.target.server], {
    execArgv: ['--expose-gc'],
    env: {
      ...process.env,
      ...(options.profileDir ? { BENCH_PROFILE: join(options.profileDir, profileName(scenario)) } : {}),
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
  const started = performance.now();
  const base = {
    kind: 'result',
    workload: scenario.workload,
    target: scenario.target.id,
    n: scenario.n,
  } as const;
  let server: ChildProcess | undefined;
  let load: ChildProcess | undefined;
  try {
    const started_ = await startServer(scenario, options);
    server = started_.child;
    const ready = started_.ready;
    if (ready.type !== 'ready') throw new Error('unexpected first message from the server');
    const loadChild = fork(LOAD_CHILD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    load = loadChild;
    const serverChild = server;
    const pending = new Map<number, number>();
    let nextId = 1;
    serverChild.on('message', (m: ServerReply) => {
      if (m.type !== 'usage') return;
      const loadId = pending.get(m.id);
      pending.delete(m.id);
      if (loadId !== undefined) loadChild.send({ ...m, id: loadId } satisfies UsageReply);
    });
    const outcome = new Promise<{ figures: Record<string, number>; error?: string }>((resolve) => {
      const timer = setTimeout(
        () => resolve({ figures: {}, error: `timed out after ${scenario.plan.scenarioTimeoutMs} ms` }),
        scenario.plan.scenarioTimeoutMs,
      );
      loadChild.on('message', (m: LoadMessage) => {
        if (m.type === 'usage') {
          const id = nextId++;
          pending.set(id, m.id);
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
      serverChild.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ figures: {}, error: `server exited with ${code}` });
      });
    });
    const before = sampleCpu([serverChild.pid, loadChild.pid]);
    loadChild.send({
      type: 'run',
      scenario,
      address: { host: '127.0.0.1', port: ready.port, path: scenario.target.path, ...tcp(ready) },
    } satisfies LoadRequest);
    const { figures: measured, error } = await outcome;
    const figures = { ...measured, ...otherLoad(before, sampleCpu([serverChild.pid, loadChild.pid])) };
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
    await Promise.all([load && stop(load), server && stop(server)]);
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
