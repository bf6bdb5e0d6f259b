import type { ScenarioResult } from '../result.js';
import type { Target } from '../targets.js';
import { resultFor } from './figures.js';
import type { Panel } from './svg.js';

/** Bar colours: Switchboard, socket.io, the ceiling. */
const COLORS = { switchboard: '#2b6cb0', socketio: '#b7791f', ceiling: '#718096' } as const;

function bars(
  results: readonly ScenarioResult[],
  targets: readonly Target[],
  workload: ScenarioResult['workload'],
  n: number | 'family',
  figure: string,
): Panel['bars'] {
  return targets
    .map((t) => ({ t, r: resultFor(results, workload, n, t.id) }))
    .filter(({ r }) => r !== undefined)
    .map(({ t, r }) => ({
      label: t.label,
      value: r?.ok ? r.figures[figure] : undefined,
      color: COLORS[t.server],
    }));
}

/** The chart's panels: the headline figure of each workload, every target side by side. */
export function chartPanels(results: readonly ScenarioResult[], targets: readonly Target[]): Panel[] {
  const sizes = results.filter((r) => r.workload === 'throughput').map((r) => r.n);
  const largest = sizes.length > 0 ? Math.max(...sizes) : 0;
  const perN = `N = ${largest.toLocaleString('en-US')}`;
  const panels: Panel[] = [
    {
      title: `Fan-out throughput, ${perN}`,
      unit: 'deliveries/s, higher is better',
      bars: bars(results, targets, 'throughput', largest, 'deliveriesPerSec'),
    },
    {
      title: `Server CPU per delivery, ${perN}`,
      unit: 'µs, lower is better',
      bars: bars(results, targets, 'throughput', largest, 'serverUsPerDelivery'),
      digits: 2,
    },
    {
      title: 'Fan-out latency p99 at 200 messages/s',
      unit: 'ms, lower is better',
      bars: bars(results, targets, 'latency', 'family', 'p99'),
      scale: 'log',
      digits: 1,
    },
    {
      title: 'Idle memory per connection (RSS)',
      unit: 'KB, lower is better',
      bars: bars(results, targets, 'memory', 'family', 'rssKBPerConn'),
      digits: 1,
    },
    {
      title: 'Idle memory per connection (V8 heap used)',
      unit: 'KB, lower is better',
      bars: bars(results, targets, 'memory', 'family', 'heapKBPerConn'),
      digits: 1,
    },
    {
      title: 'Connect rate',
      unit: 'connections/s to welcome, higher is better',
      bars: bars(results, targets, 'connect', 'family', 'connectsPerSec'),
    },
  ];
  return panels.filter((p) => p.bars.length > 0);
}
