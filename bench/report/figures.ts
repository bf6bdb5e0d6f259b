import type { Workload } from '../plan.js';
import type { ScenarioResult } from '../result.js';
import { ratio } from '../stats.js';
import { peerOf, type Target } from '../targets.js';

/** One figure of a workload, as shown in tables and charts. */
export interface FigureDef {
  key: string;
  label: string;
  /** Decimal places shown. */
  digits: number;
  /** Whether a larger value is better (decides nothing but the wording of a ratio). */
  better: 'higher' | 'lower';
  /** Show the ratio to socket.io beside the value. */
  ratio: boolean;
}

/** One table of the report: a workload at one size, or at the size of each target's family. */
export interface TableDef {
  title: string;
  workload: Workload;
  /** Subscribers/clients; 'family' takes the one row each target ran (latency, memory). */
  n: number | 'family';
  figures: FigureDef[];
}

const f = (key: string, label: string, digits: number, better: 'higher' | 'lower', showRatio = true) => ({
  key,
  label,
  digits,
  better,
  ratio: showRatio,
});

/** The report's tables for a run with the given throughput sizes. */
export function tableDefs(throughputSizes: readonly number[]): TableDef[] {
  return [
    ...throughputSizes.map(
      (n): TableDef => ({
        title: `Fan-out throughput, one room of ${n.toLocaleString('en-US')} subscribers`,
        workload: 'throughput',
        n,
        figures: [
          f('deliveriesPerSec', 'deliveries/s', 0, 'higher'),
          f('serverUsPerDelivery', 'server CPU µs/delivery', 2, 'lower'),
          f('serverCpuPct', 'server CPU %', 0, 'lower', false),
          f('loadCpuPct', 'load generator CPU %', 0, 'lower', false),
          f('otherCpuPct', 'other CPU %', 0, 'lower', false),
        ],
      }),
    ),
    {
      title: 'Fan-out latency at a fixed rate (ms, end to end)',
      workload: 'latency',
      n: 'family',
      figures: [
        f('p50', 'p50', 1, 'lower'),
        f('p90', 'p90', 1, 'lower'),
        f('p99', 'p99', 1, 'lower'),
        f('max', 'max', 1, 'lower'),
        f('deliveredPct', 'delivered %', 1, 'higher', false),
        f('serverCpuPct', 'server CPU %', 0, 'lower', false),
        f('loadCpuPct', 'load generator CPU %', 0, 'lower', false),
        f('otherCpuPct', 'other CPU %', 0, 'lower', false),
      ],
    },
    {
      title: 'Idle memory per connection (server, after GC)',
      workload: 'memory',
      n: 'family',
      figures: [
        f('rssKBPerConn', 'RSS KB', 1, 'lower'),
        f('heapKBPerConn', 'heap used KB', 1, 'lower'),
        f('heapTotalKBPerConn', 'heap total KB', 1, 'lower', false),
        f('otherCpuPct', 'other CPU %', 0, 'lower', false),
      ],
    },
    {
      title: 'Connect rate (to the first welcome)',
      workload: 'connect',
      n: 'family',
      figures: [
        f('connectsPerSec', 'connections/s', 0, 'higher'),
        f('connectP99Ms', 'p99 ms', 1, 'lower'),
        f('serverUsPerConnect', 'server CPU µs/connection', 0, 'lower'),
        f('loadCpuPct', 'load generator CPU %', 0, 'lower', false),
      ],
    },
    {
      title: 'Many idle connections at once (server, after GC)',
      workload: 'scale',
      n: 'family',
      figures: [
        f('rssKBPerConn', 'RSS KB', 1, 'lower'),
        f('heapKBPerConn', 'heap used KB', 1, 'lower'),
        f('connectsPerSec', 'connections/s', 0, 'higher'),
        f('lagConnectP99Ms', 'loop lag p99 ms, connecting', 1, 'lower'),
        f('lagIdleP99Ms', 'loop lag p99 ms, idle', 1, 'lower'),
        f('lagIdleMaxMs', 'loop lag max ms, idle', 1, 'lower', false),
      ],
    },
  ];
}

/** The result of `target` for a table (its size, or the one row it has for a per-family table). */
export function resultFor(
  results: readonly ScenarioResult[],
  workload: Workload,
  n: number | 'family',
  target: string,
): ScenarioResult | undefined {
  return results.find((r) => r.workload === workload && r.target === target && (n === 'family' || r.n === n));
}

/** A figure of a target and its ratio to the socket.io peer of the same family in the same run. */
export interface Cell {
  value: number | undefined;
  ratio: number | undefined;
}

/** The cell for one target and figure of a table. */
export function cell(
  results: readonly ScenarioResult[],
  table: TableDef,
  target: Target,
  figure: string,
  targets: readonly Target[],
): Cell {
  const own = resultFor(results, table.workload, table.n, target.id);
  const value = own?.ok ? own.figures[figure] : undefined;
  const peer = peerOf(target, targets);
  const base = peer ? resultFor(results, table.workload, table.n, peer.id) : undefined;
  return { value, ratio: ratio(value, base?.ok ? base.figures[figure] : undefined) };
}
