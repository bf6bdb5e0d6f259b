import type { Family, Target } from './targets.js';

/** The workloads, in run order. */
export const WORKLOADS = ['throughput', 'latency', 'memory', 'connect'] as const;
export type Workload = (typeof WORKLOADS)[number];

/** Sizes and durations of one bench run. */
export interface Plan {
  mode: 'full' | 'quick';
  /** Bytes of text in every chat message. */
  textBytes: number;
  /** Connections opened at a time while setting up any workload. */
  setupConcurrency: number;
  throughput: { subscribers: number[]; window: number; warmupMs: number; durationMs: number };
  latency: { subscribers: Record<Family, number>; ratePerSec: number; durationMs: number; drainMs: number };
  memory: { clients: Record<Family, number>; settleMs: number };
  connect: { clients: number; concurrency: number };
  /** Hard bound on one scenario, setup included. */
  scenarioTimeoutMs: number;
}

/** The full run: the sizes named in the issue. */
export const FULL: Plan = {
  mode: 'full',
  textBytes: 100,
  setupConcurrency: 50,
  throughput: { subscribers: [100, 1000], window: 64, warmupMs: 1500, durationMs: 6000 },
  latency: {
    subscribers: { websocket: 1000, polling: 200 },
    ratePerSec: 200,
    durationMs: 10_000,
    drainMs: 15_000,
  },
  memory: { clients: { websocket: 2000, polling: 500 }, settleMs: 1000 },
  connect: { clients: 1000, concurrency: 50 },
  scenarioTimeoutMs: 120_000,
};

/** `--quick`: the same workloads, smaller and shorter, under two minutes in all. */
export const QUICK: Plan = {
  mode: 'quick',
  textBytes: 100,
  setupConcurrency: 50,
  throughput: { subscribers: [100, 500], window: 64, warmupMs: 500, durationMs: 1500 },
  latency: {
    subscribers: { websocket: 300, polling: 100 },
    ratePerSec: 200,
    durationMs: 2500,
    drainMs: 5000,
  },
  memory: { clients: { websocket: 500, polling: 200 }, settleMs: 300 },
  connect: { clients: 300, concurrency: 50 },
  scenarioTimeoutMs: 45_000,
};

/** One run of one workload against one target. */
export interface Scenario {
  workload: Workload;
  target: Target;
  /** Subscribers or clients for this run. */
  n: number;
  plan: Plan;
}

/** Every scenario of a plan for the given targets, workload by workload. */
export function scenarios(
  plan: Plan,
  targets: readonly Target[],
  workloads: readonly Workload[],
): Scenario[] {
  const out: Scenario[] = [];
  for (const workload of workloads) {
    for (const target of targets) {
      switch (workload) {
        case 'throughput':
          for (const n of plan.throughput.subscribers) out.push({ workload, target, n, plan });
          break;
        case 'latency':
          out.push({ workload, target, n: plan.latency.subscribers[target.family], plan });
          break;
        case 'memory':
          out.push({ workload, target, n: plan.memory.clients[target.family], plan });
          break;
        case 'connect':
          out.push({ workload, target, n: plan.connect.clients, plan });
          break;
      }
    }
  }
  return out;
}
