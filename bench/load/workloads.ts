import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { Usage } from '../result.js';
import { cpuMicros, cpuPercent, summarize } from '../stats.js';
import type { BenchClient } from './client.js';
import { messageText } from './client.js';
import type { LoadContext } from './context.js';

const ROOM = 'bench';
/** How often a progress line is sent while a workload waits. */
const PROGRESS_MS = 1000;

/** A workload: runs against the context's server and returns its figures. */
export type WorkloadRun = (ctx: LoadContext) => Promise<Record<string, number>>;

/** Rejects when `promise` has not settled by `deadline` (performance.now() time). */
function before<T>(promise: Promise<T>, deadline: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: timed out`)),
      Math.max(0, deadline - performance.now()),
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Waits until `done()` holds, checking every 10 ms, for at most `ms`; returns whether it held. */
async function until(done: () => boolean, ms: number, tick?: () => void): Promise<boolean> {
  const end = performance.now() + ms;
  let lastTick = performance.now();
  while (!done()) {
    if (performance.now() >= end) return false;
    await delay(10);
    if (tick && performance.now() - lastTick >= PROGRESS_MS) {
      lastTick = performance.now();
      tick();
    }
  }
  return true;
}

/**
 * Opens `n` clients, `concurrency` at a time, each welcomed and then given `setup`; returns them with
 * each one's time to welcome (ms). Bounded by `deadline`.
 */
async function connectMany(
  ctx: LoadContext,
  n: number,
  concurrency: number,
  setup: ((c: BenchClient) => Promise<void>) | undefined,
  deadline: number,
): Promise<{ clients: BenchClient[]; welcomeMs: Float64Array }> {
  const clients: BenchClient[] = [];
  const welcomeMs = new Float64Array(n);
  let next = 0;
  let lastProgress = performance.now();
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const started = performance.now();
      const client = ctx.client(`b${i}`);
      clients.push(client);
      await before(client.welcome(), deadline, `welcome of client ${i}`);
      welcomeMs[i] = performance.now() - started;
      if (setup) await before(setup(client), deadline, `setup of client ${i}`);
      if (performance.now() - lastProgress >= PROGRESS_MS) {
        lastProgress = performance.now();
        ctx.progress(`connecting ${clients.length}/${n}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return { clients, welcomeMs };
}

/** Clients that were closed under the workload, as an error to report. */
function lost(clients: readonly BenchClient[]): string | undefined {
  const closed = clients.filter((c) => c.closedReason !== undefined);
  return closed.length === 0 ? undefined : `${closed.length} connections closed (${closed[0]?.closedReason})`;
}

/** Sums the error frames the clients received. */
function errorFrames(clients: readonly BenchClient[]): number {
  return clients.reduce((sum, c) => sum + c.errors, 0);
}

/** The time left for setup: the scenario's bound less a margin for the measurement itself. */
function setupDeadline(ctx: LoadContext, measureMs: number): number {
  return performance.now() + Math.max(5000, ctx.scenario.plan.scenarioTimeoutMs - measureMs - 5000);
}

/** One room of N subscribers and one sender with a bounded window of messages not yet delivered to all. */
export const throughput: WorkloadRun = async (ctx) => {
  const { n, plan } = ctx.scenario;
  const { window, warmupMs, durationMs } = plan.throughput;
  const deadline = setupDeadline(ctx, warmupMs + durationMs);
  const { clients } = await connectMany(ctx, n, plan.setupConcurrency, (c) => c.join(ROOM), deadline);
  const sender = ctx.client('sender');
  await before(sender.welcome(), deadline, 'sender welcome');
  await before(sender.join(ROOM), deadline, 'sender join');

  // In-flight messages are counted per slot of a ring larger than the window, so slots never collide.
  const ring = 4096;
  const counts = new Uint32Array(ring);
  let sent = 0;
  let completed = 0;
  let deliveries = 0;
  let stopping = false;
  let scheduled = false;
  const pump = () => {
    scheduled = false;
    if (stopping) return;
    const texts: string[] = [];
    while (sent - completed < window) texts.push(messageText(sent++, plan.textBytes));
    if (texts.length > 0) sender.say(ROOM, texts);
  };
  for (const c of clients) {
    c.onDelivery = (index) => {
      deliveries++;
      const slot = index & (ring - 1);
      if (++(counts[slot] as number) === n) {
        counts[slot] = 0;
        completed++;
        if (!scheduled) {
          scheduled = true;
          setImmediate(pump);
        }
      }
    };
  }
  pump();
  await delay(warmupMs);
  const s0 = await ctx.serverUsage(false, 'start');
  const l0 = process.cpuUsage();
  const d0 = deliveries;
  const t0 = performance.now();
  await until(
    () => performance.now() - t0 >= durationMs,
    durationMs + 1000,
    () => ctx.progress(`${Math.round(((deliveries - d0) * 1000) / (performance.now() - t0))} deliveries/s`),
  );
  const s1 = await ctx.serverUsage(false, 'stop');
  const l1 = process.cpuUsage();
  const d1 = deliveries;
  const t1 = performance.now();
  stopping = true;
  const drained = await until(() => completed === sent, 10_000);
  const count = d1 - d0;
  const seconds = (t1 - t0) / 1000;
  const serverUs = cpuMicros(s0.cpu, s1.cpu);
  const loadUs = cpuMicros(l0, l1);
  const error = lost(clients) ?? (drained ? undefined : `${sent - completed} messages not delivered to all`);
  if (error) throw new Error(error);
  return {
    deliveriesPerSec: count / seconds,
    serverUsPerDelivery: serverUs / count,
    loadUsPerDelivery: loadUs / count,
    serverCpuPct: cpuPercent(serverUs, seconds),
    loadCpuPct: cpuPercent(loadUs, seconds),
    errorFrames: errorFrames([...clients, sender]),
  };
};

/** One room of N subscribers; one sender at a fixed rate; end-to-end latency of every delivery. */
export const latency: WorkloadRun = async (ctx) => {
  const { n, plan } = ctx.scenario;
  const { ratePerSec, durationMs, drainMs } = plan.latency;
  const deadline = setupDeadline(ctx, durationMs + drainMs);
  const { clients } = await connectMany(ctx, n, plan.setupConcurrency, (c) => c.join(ROOM), deadline);
  const sender = ctx.client('sender');
  await before(sender.welcome(), deadline, 'sender welcome');
  await before(sender.join(ROOM), deadline, 'sender join');

  const total = Math.round((ratePerSec * durationMs) / 1000);
  const sentAt = new Float64Array(total);
  const perMessage = new Uint32Array(total);
  const samples = new Float64Array(total * n);
  let k = 0;
  for (const c of clients) {
    c.onDelivery = (index, now) => {
      if (index >= total || k >= samples.length) return;
      perMessage[index] = (perMessage[index] as number) + 1;
      samples[k++] = now - (sentAt[index] as number);
    };
  }
  const s0 = await ctx.serverUsage(false, 'start');
  const l0 = process.cpuUsage();
  const t0 = performance.now();
  let sent = 0;
  // Sends what is due every millisecond, so the rate holds even when a timer fires late.
  const timer = setInterval(() => {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - t0) * ratePerSec) / 1000) + 1);
    const texts: string[] = [];
    while (sent < due) {
      sentAt[sent] = now;
      texts.push(messageText(sent++, plan.textBytes));
    }
    if (texts.length > 0) sender.say(ROOM, texts);
    if (sent >= total) clearInterval(timer);
  }, 1);
  const progress = () => ctx.progress(`sent ${sent}/${total}, ${k}/${samples.length} delivered`);
  await until(() => sent >= total, durationMs + 5000, progress);
  clearInterval(timer);
  const all = await until(() => k >= samples.length, drainMs, progress);
  const s1 = await ctx.serverUsage(false, 'stop');
  const l1 = process.cpuUsage();
  const end = performance.now();
  const delivered = k;
  // A delivery still missing counts with the time it has waited so far: a lower bound, never a hole.
  if (!all) {
    for (let i = 0; i < total; i++) {
      for (let m = perMessage[i] as number; m < n && k < samples.length; m++)
        samples[k++] = end - (sentAt[i] as number);
    }
  }
  const summary = summarize(samples, k);
  const seconds = (end - t0) / 1000;
  const serverUs = cpuMicros(s0.cpu, s1.cpu);
  const error = lost(clients);
  if (error) throw new Error(error);
  return {
    p50: summary.p50,
    p90: summary.p90,
    p99: summary.p99,
    max: summary.max,
    mean: summary.mean,
    deliveredPct: (delivered / samples.length) * 100,
    serverUsPerDelivery: serverUs / Math.max(1, delivered),
    serverCpuPct: cpuPercent(serverUs, seconds),
    loadCpuPct: cpuPercent(cpuMicros(l0, l1), seconds),
    errorFrames: errorFrames([...clients, sender]),
  };
};

/** The server's memory growth from `base` to `after`, per connection, KB. */
function perConnection(base: Usage, after: Usage, n: number): Record<string, number> {
  const per = (bytes: number) => bytes / n / 1024;
  return {
    rssKBPerConn: per(after.mem.rss - base.mem.rss),
    heapKBPerConn: per(after.mem.heapUsed - base.mem.heapUsed),
    heapTotalKBPerConn: per(after.mem.heapTotal - base.mem.heapTotal),
    externalKBPerConn: per(after.mem.external - base.mem.external),
  };
}

/** N idle connections, each welcomed; the server's RSS and heap growth per connection after GC. */
export const memory: WorkloadRun = async (ctx) => {
  const { n, plan } = ctx.scenario;
  const deadline = setupDeadline(ctx, plan.memory.settleMs);
  // The marks write heap snapshots under --profile (bench/heap-diff.ts compares them).
  const base = await ctx.serverUsage(true, 'start');
  const { clients } = await connectMany(ctx, n, plan.setupConcurrency, undefined, deadline);
  await delay(plan.memory.settleMs);
  const after = await ctx.serverUsage(true, 'stop');
  const error = lost(clients);
  if (error) throw new Error(error);
  return perConnection(base, after, n);
};

/** N connections, `concurrency` at a time, each to its first welcome. */
export const connect: WorkloadRun = async (ctx) => {
  const { n, plan } = ctx.scenario;
  const deadline = setupDeadline(ctx, 0);
  const s0 = await ctx.serverUsage(false, 'start');
  const l0 = process.cpuUsage();
  const t0 = performance.now();
  const { clients, welcomeMs } = await connectMany(ctx, n, plan.connect.concurrency, undefined, deadline);
  const t1 = performance.now();
  const l1 = process.cpuUsage();
  const s1 = await ctx.serverUsage(false, 'stop');
  const error = lost(clients);
  if (error) throw new Error(error);
  const summary = summarize(welcomeMs);
  return {
    connectsPerSec: n / ((t1 - t0) / 1000),
    connectP50Ms: summary.p50,
    connectP99Ms: summary.p99,
    serverUsPerConnect: cpuMicros(s0.cpu, s1.cpu) / n,
    // Near 100%, the load generator bounds the rate rather than the server.
    loadCpuPct: cpuPercent(cpuMicros(l0, l1), (t1 - t0) / 1000),
  };
};

/**
 * N idle connections held at once (20,000 in the full plan, over two server processes: see Plan.scale): what each costs the server, and how long
 * its event loop made a connection wait, both while they connected and once they sat idle.
 */
export const scale: WorkloadRun = async (ctx) => {
  const { n, plan } = ctx.scenario;
  const deadline = setupDeadline(ctx, plan.scale.settleMs);
  const base = await ctx.serverUsage(true);
  const t0 = performance.now();
  const { clients } = await connectMany(ctx, n, plan.scale.concurrency, undefined, deadline);
  const t1 = performance.now();
  const connected = await ctx.serverUsage(false);
  await delay(plan.scale.settleMs);
  const idle = await ctx.serverUsage(true);
  const error = lost(clients);
  if (error) throw new Error(error);
  return {
    connectsPerSec: n / ((t1 - t0) / 1000),
    ...perConnection(base, idle, n),
    lagConnectP99Ms: connected.lag?.p99Ms ?? Number.NaN,
    lagConnectMaxMs: connected.lag?.maxMs ?? Number.NaN,
    lagIdleP99Ms: idle.lag?.p99Ms ?? Number.NaN,
    lagIdleMaxMs: idle.lag?.maxMs ?? Number.NaN,
  };
};

/** The workloads by name. */
export const RUNS = { throughput, latency, memory, connect, scale } as const;
