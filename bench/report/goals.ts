import type { Workload } from '../plan.js';
import type { ScenarioResult } from '../result.js';
import { peerOf, type Target } from '../targets.js';
import { resultFor } from './figures.js';

/**
 * One performance target of issue 5. `atLeast`/`atMost` bound the ratio to the socket.io peer of the
 * same family in the same run, or (with `absolute`) the figure itself.
 */
export interface Goal {
  text: string;
  target: string;
  workload: Workload;
  /** 'largest' takes the largest size the workload ran at. */
  n: 'largest' | 'family';
  figure: string;
  bound: { atLeast: number } | { atMost: number } | { below: number };
  absolute?: boolean;
  /** Compare with this target of the same run instead of the socket.io peer. */
  against?: string;
  /** With `against`: the difference to it (in the figure's unit), not the ratio. */
  added?: boolean;
}

/** The targets of issue 5, for the transports that exist (a missing target is reported as not measured). */
export const GOALS: readonly Goal[] = [
  {
    text: 'engine.io WebSocket fan-out',
    target: 'sb-eio-ws',
    workload: 'throughput',
    n: 'largest',
    figure: 'deliveriesPerSec',
    bound: { atLeast: 5 },
  },
  {
    text: 'engine.io WebSocket server CPU per delivery',
    target: 'sb-eio-ws',
    workload: 'throughput',
    n: 'largest',
    figure: 'serverUsPerDelivery',
    bound: { atMost: 0.2 },
  },
  {
    text: 'raw WebSocket fan-out',
    target: 'sb-rawws',
    workload: 'throughput',
    n: 'largest',
    figure: 'deliveriesPerSec',
    bound: { atLeast: 8 },
  },
  {
    text: 'raw WebSocket server CPU per delivery',
    target: 'sb-rawws',
    workload: 'throughput',
    n: 'largest',
    figure: 'serverUsPerDelivery',
    bound: { atMost: 0.125 },
  },
  {
    text: 'engine.io WebSocket latency p99 (ms)',
    target: 'sb-eio-ws',
    workload: 'latency',
    n: 'family',
    figure: 'p99',
    bound: { below: 50 },
    absolute: true,
  },
  {
    text: 'raw WebSocket latency p99 (ms)',
    target: 'sb-rawws',
    workload: 'latency',
    n: 'family',
    figure: 'p99',
    bound: { below: 50 },
    absolute: true,
  },
  {
    text: 'polling fan-out',
    target: 'sb-eio-polling',
    workload: 'throughput',
    n: 'largest',
    figure: 'deliveriesPerSec',
    bound: { atLeast: 1.5 },
  },
  {
    text: 'polling latency p99',
    target: 'sb-eio-polling',
    workload: 'latency',
    n: 'family',
    figure: 'p99',
    bound: { atMost: 1 },
  },
  {
    text: 'engine.io WebSocket idle memory (heap)',
    target: 'sb-eio-ws',
    workload: 'memory',
    n: 'family',
    figure: 'heapKBPerConn',
    bound: { atMost: 0.6 },
  },
  {
    text: 'engine.io WebSocket idle memory (RSS)',
    target: 'sb-eio-ws',
    workload: 'memory',
    n: 'family',
    figure: 'rssKBPerConn',
    bound: { atMost: 0.6 },
  },
  {
    text: 'raw WebSocket idle memory (heap)',
    target: 'sb-rawws',
    workload: 'memory',
    n: 'family',
    figure: 'heapKBPerConn',
    bound: { atMost: 0.5 },
  },
  {
    text: 'raw WebSocket idle memory (RSS)',
    target: 'sb-rawws',
    workload: 'memory',
    n: 'family',
    figure: 'rssKBPerConn',
    bound: { atMost: 0.5 },
  },
  {
    text: 'polling idle memory (heap)',
    target: 'sb-eio-polling',
    workload: 'memory',
    n: 'family',
    figure: 'heapKBPerConn',
    bound: { atMost: 0.75 },
  },
  {
    text: 'polling idle memory (RSS)',
    target: 'sb-eio-polling',
    workload: 'memory',
    n: 'family',
    figure: 'rssKBPerConn',
    bound: { atMost: 0.75 },
  },
  {
    text: 'engine.io WebSocket connect rate',
    target: 'sb-eio-ws',
    workload: 'connect',
    n: 'family',
    figure: 'connectsPerSec',
    bound: { atLeast: 1.5 },
  },
  {
    text: 'raw WebSocket connect rate',
    target: 'sb-rawws',
    workload: 'connect',
    n: 'family',
    figure: 'connectsPerSec',
    bound: { atLeast: 1.5 },
  },
  {
    text: 'polling connect rate',
    target: 'sb-eio-polling',
    workload: 'connect',
    n: 'family',
    figure: 'connectsPerSec',
    bound: { atLeast: 1.5 },
  },
  // SSE (issue 11) against Switchboard's own long-polling, at the same load.
  {
    text: 'SSE fan-out vs Switchboard polling',
    target: 'sb-sse',
    against: 'sb-eio-polling',
    workload: 'throughput',
    n: 'largest',
    figure: 'deliveriesPerSec',
    bound: { atLeast: 3 },
  },
  {
    text: 'SSE latency p99 vs Switchboard polling',
    target: 'sb-sse',
    against: 'sb-eio-polling',
    workload: 'latency',
    n: 'family',
    figure: 'p99',
    bound: { atMost: 0.5 },
  },
  // Scale-out on Redis (issue 9): one Redis, one room, the same load as the latency target.
  {
    text: 'cross-node added latency p50 (ms)',
    target: 'sb-rawws-cross',
    against: 'sb-rawws-redis',
    added: true,
    workload: 'latency',
    n: 'family',
    figure: 'p50',
    bound: { atMost: 2 },
  },
  {
    text: 'one node on Redis, server CPU per delivery vs embedded',
    target: 'sb-rawws-redis',
    against: 'sb-rawws',
    workload: 'latency',
    n: 'family',
    figure: 'serverUsPerDelivery',
    bound: { atMost: 1.3 },
  },
  {
    text: 'cross-node (both nodes), server CPU per delivery vs embedded',
    target: 'sb-rawws-cross',
    against: 'sb-rawws',
    workload: 'latency',
    n: 'family',
    figure: 'serverUsPerDelivery',
    bound: { atMost: 1.3 },
  },
];

/** How a goal came out in a run. */
export interface GoalOutcome {
  goal: Goal;
  status: 'holds' | 'misses' | 'not measured';
  /** The ratio to socket.io, or the figure itself for an absolute goal. */
  measured: number | undefined;
  /** The bound as a number, and how it reads (`≥ 5×`, `< 50`). */
  limit: number;
  wanted: string;
  /** For a miss: how far off, as a factor (>1 means that much short of the bound). */
  shortBy: number | undefined;
}

/** Evaluates every goal against a run's results. */
export function evaluateGoals(
  results: readonly ScenarioResult[],
  targets: readonly Target[],
  goals: readonly Goal[] = GOALS,
): GoalOutcome[] {
  return goals.map((g) => {
    const { limit, wanted } = describeBound(g);
    const target = targets.find((t) => t.id === g.target);
    const notMeasured = {
      goal: g,
      status: 'not measured',
      measured: undefined,
      limit,
      wanted,
      shortBy: undefined,
    } as const;
    if (!target) return notMeasured;
    const n = g.n === 'largest' ? largestN(results, g.workload) : 'family';
    if (n === undefined) return notMeasured;
    const own = resultFor(results, g.workload, n, g.target);
    const value = own?.ok ? own.figures[g.figure] : undefined;
    let measured = value;
    if (!g.absolute) {
      const peer = g.against ? targets.find((t) => t.id === g.against) : peerOf(target, targets);
      const base = peer ? resultFor(results, g.workload, n, peer.id) : undefined;
      const baseValue = base?.ok ? base.figures[g.figure] : undefined;
      measured =
        value === undefined || baseValue === undefined
          ? undefined
          : g.added
            ? value - baseValue
            : baseValue > 0
              ? value / baseValue
              : undefined;
    }
    if (measured === undefined || !Number.isFinite(measured)) return notMeasured;
    const holds =
      'atLeast' in g.bound
        ? measured >= g.bound.atLeast
        : 'atMost' in g.bound
          ? measured <= g.bound.atMost
          : measured < g.bound.below;
    const shortBy = holds ? undefined : 'atLeast' in g.bound ? limit / measured : measured / limit;
    return { goal: g, status: holds ? 'holds' : 'misses', measured, limit, wanted, shortBy };
  });
}

function describeBound(g: Goal): { limit: number; wanted: string } {
  const unit = g.absolute || g.added ? '' : '×';
  if ('atLeast' in g.bound) return { limit: g.bound.atLeast, wanted: `≥ ${g.bound.atLeast}${unit}` };
  if ('atMost' in g.bound) return { limit: g.bound.atMost, wanted: `≤ ${g.bound.atMost}${unit}` };
  return { limit: g.bound.below, wanted: `< ${g.bound.below}${unit}` };
}

function largestN(results: readonly ScenarioResult[], workload: Workload): number | undefined {
  const sizes = results.filter((r) => r.workload === workload).map((r) => r.n);
  return sizes.length === 0 ? undefined : Math.max(...sizes);
}
