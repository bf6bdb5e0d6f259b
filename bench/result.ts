import type { Workload } from './plan.js';

/** A process's CPU and memory at one moment (process.cpuUsage(), process.memoryUsage()). */
export interface Usage {
  cpu: { user: number; system: number };
  mem: { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
  /** The server's event-loop delay since the previous usage question, ms (p99 and max). */
  lag?: { p99Ms: number; maxMs: number };
}

/** What one scenario measured; one JSON line in bench/results/. */
export interface ScenarioResult {
  kind: 'result';
  workload: Workload;
  target: string;
  n: number;
  ok: boolean;
  /** Why the scenario failed or is incomplete. */
  error?: string;
  /**
   * The figures, by key: throughput `deliveriesPerSec`, `serverUsPerDelivery`, `loadUsPerDelivery`,
   * `serverCpuPct`, `loadCpuPct`; latency `p50`, `p90`, `p99`, `max` (ms), `deliveredPct`; memory
   * `rssKBPerConn`, `heapKBPerConn`; connect `connectsPerSec`, `serverUsPerConnect`, `connectP99Ms`, `loadCpuPct`.
   */
  figures: Record<string, number>;
  /** Wall time of the scenario, setup included. */
  elapsedMs: number;
  /** Which run of the scenario this was (1-based), and whether it is the one the report keeps. */
  attempt?: number;
  kept?: boolean;
}

/** The first line of a results file: when, where and how the run was made. */
export interface RunHeader {
  kind: 'run';
  date: string;
  mode: 'full' | 'quick';
  command: string;
  /** The commit measured (`git describe --always --dirty`), when known. */
  commit?: string;
  machine: { nproc: number; cpu: string; node: string; platform: string; memGiB: number };
  versions: Record<string, string>;
}
