import { describe, expect, it } from 'vitest';
import { chartPanels } from '../../bench/report/chart.js';
import { tableDefs } from '../../bench/report/figures.js';
import { evaluateGoals, type Goal } from '../../bench/report/goals.js';
import {
  formatNumber,
  formatRatio,
  renderGoals,
  renderOtherRuns,
  renderTable,
} from '../../bench/report/markdown.js';
import { barFraction, escapeXml, renderChart } from '../../bench/report/svg.js';
import { BEGIN, END, replaceSection } from '../../bench/report/write.js';
import type { ScenarioResult } from '../../bench/result.js';
import { TARGETS } from '../../bench/targets.js';

function result(
  target: string,
  workload: ScenarioResult['workload'],
  n: number,
  figures: Record<string, number>,
): ScenarioResult {
  return { kind: 'result', workload, target, n, ok: true, figures, elapsedMs: 1 };
}

const RESULTS: ScenarioResult[] = [
  result('sb-eio-ws', 'throughput', 1000, { deliveriesPerSec: 600_000, serverUsPerDelivery: 0.5 }),
  result('sio-ws', 'throughput', 1000, { deliveriesPerSec: 100_000, serverUsPerDelivery: 10 }),
  result('sb-eio-polling', 'throughput', 1000, { deliveriesPerSec: 120_000, serverUsPerDelivery: 3 }),
  result('sio-polling', 'throughput', 1000, { deliveriesPerSec: 100_000, serverUsPerDelivery: 12 }),
  result('sb-eio-ws', 'latency', 1000, { p99: 60 }),
  result('sio-ws', 'latency', 1000, { p99: 2000 }),
  { ...result('sb-eio-polling', 'latency', 200, {}), ok: false, error: 'timed out' },
  result('sio-polling', 'latency', 200, { p99: 300 }),
];

describe('bench report figures', () => {
  it('formats numbers and ratios, with a dash for what is missing', () => {
    expect(formatNumber(1234567.891, 0)).toBe('1,234,568');
    expect(formatNumber(0.456, 2)).toBe('0.46');
    expect(formatNumber(undefined, 1)).toBe('—');
    expect(formatRatio(6)).toBe('6.00×');
    expect(formatRatio(12.34)).toBe('12.3×');
    expect(formatRatio(0.1234)).toBe('0.12×');
    expect(formatRatio(0.0024)).toBe('0.0024×');
    expect(formatRatio(0.05)).toBe('0.05×');
    expect(formatRatio(Number.POSITIVE_INFINITY)).toBe('—');
  });

  it('shows each figure with its ratio to the socket.io peer of the same family', () => {
    const table = tableDefs([1000])[0];
    if (!table) throw new Error('no table');
    const md = renderTable(table, RESULTS, TARGETS);
    const line = (label: string) => md.split('\n').find((l) => l.startsWith(`| ${label} |`));
    expect(line('Switchboard engine.io WebSocket')).toMatch(
      /^\| [^|]+ \| 600,000 \| 6\.00× \| 0\.50 \| 0\.05× \|/,
    );
    expect(line('Switchboard engine.io polling')).toMatch(/\| 120,000 \| 1\.20× \| 3\.00 \| 0\.25× \|/);
    expect(line('socket.io 4 WebSocket')).toMatch(/\| 100,000 \| 1× \|/);
    expect(line('bare ws, coalesced (ceiling)')).toBeUndefined();
  });

  it('says which goals hold, which miss and by how much, and which were not measured', () => {
    const outcomes = evaluateGoals(RESULTS, TARGETS);
    const of = (text: string) => outcomes.find((o) => o.goal.text === text);
    expect(of('engine.io WebSocket fan-out')).toMatchObject({ status: 'holds', measured: 6 });
    expect(of('engine.io WebSocket server CPU per delivery')).toMatchObject({
      status: 'holds',
      measured: 0.05,
    });
    expect(of('engine.io WebSocket latency p99 (ms)')).toMatchObject({ status: 'misses', measured: 60 });
    expect(of('engine.io WebSocket latency p99 (ms)')?.shortBy).toBeCloseTo(1.2);
    expect(of('polling fan-out')).toMatchObject({ status: 'misses', shortBy: 1.25 });
    expect(of('polling latency p99')?.status).toBe('not measured');
    expect(of('raw WebSocket fan-out')?.status).toBe('not measured');
    const md = renderGoals(outcomes);
    expect(md).toContain('| polling fan-out | ≥ 1.5× | 1.20× | misses (off by 1.25×) |');
    expect(md).toContain('| engine.io WebSocket latency p99 (ms) | < 50 | 60.0 | misses (off by 1.20×) |');
  });

  it('judges an absolute bound on the figure itself and a ratio bound against the peer', () => {
    const goals: Goal[] = [
      {
        text: 'abs',
        target: 'sio-ws',
        workload: 'latency',
        n: 'family',
        figure: 'p99',
        bound: { below: 2500 },
        absolute: true,
      },
      {
        text: 'max',
        target: 'sb-eio-ws',
        workload: 'latency',
        n: 'family',
        figure: 'p99',
        bound: { atMost: 0.03 },
      },
    ];
    const [abs, max] = evaluateGoals(RESULTS, TARGETS, goals);
    expect(abs).toMatchObject({ status: 'holds', measured: 2000, wanted: '< 2500' });
    expect(max).toMatchObject({ status: 'holds', measured: 0.03, wanted: '≤ 0.03×' });
  });
});

describe('runs not kept', () => {
  it('lists every dropped run with its headline figure beside the kept one', () => {
    const kept = { ...result('sb-eio-ws', 'latency', 1000, { p99: 40.2 }), kept: true };
    const dropped = { ...result('sb-eio-ws', 'latency', 1000, { p99: 82.6 }), kept: false };
    const failed = { ...result('sio-ws', 'latency', 1000, {}), ok: false, error: 'timed out', kept: false };
    const md = renderOtherRuns([kept, dropped, failed], TARGETS) ?? '';
    expect(md).toContain('- latency, Switchboard engine.io WebSocket, N = 1,000: p99 82.6 (kept: 40.2)');
    expect(md).toContain('- latency, socket.io 4 WebSocket, N = 1,000: p99 failed (timed out) (kept: —)');
    expect(renderOtherRuns([kept], TARGETS)).toBeUndefined();
  });
});

describe('bench chart', () => {
  it('scales bars linearly or by decades', () => {
    expect(barFraction(50, 100, 'linear')).toBe(0.5);
    expect(barFraction(0, 100, 'linear')).toBe(0);
    expect(barFraction(100, 100, 'log', 1)).toBe(1);
    expect(barFraction(10, 100, 'log', 1)).toBeCloseTo(1.5 / 2.5);
    expect(barFraction(1, 100, 'log', 1)).toBeCloseTo(0.5 / 2.5);
  });

  it('escapes text and draws one bar per result with its value', () => {
    expect(escapeXml(`<a & "b">`)).toBe('&lt;a &amp; &quot;b&quot;&gt;');
    const svg = renderChart('T & U', chartPanels(RESULTS, TARGETS));
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('<title>T &amp; U</title>');
    expect(svg).toContain('>600,000<');
    expect(svg).toContain('>n/a<');
    const widths = [...svg.matchAll(/<rect x="230" y="\d+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    // Throughput panel, in target order: 600k is the full width, 120k a fifth of it, 100k a sixth.
    expect(widths[0]).toBeCloseTo(400);
    expect(widths[1]).toBeCloseTo(80);
    expect(widths[2]).toBeCloseTo(400 / 6, 1);
  });
});

describe('docs section', () => {
  it('replaces only the generated block and appends one where there is none', () => {
    const doc = `# B\n\nintro\n\n${BEGIN}\nold\n${END}\n\n## Analysis\nkept\n`;
    const out = replaceSection(doc, 'new table');
    expect(out).toBe(`# B\n\nintro\n\n${BEGIN}\nnew table\n${END}\n\n## Analysis\nkept\n`);
    expect(replaceSection('# B\n', 'x')).toBe(`# B\n\n${BEGIN}\nx\n${END}\n`);
  });
});
