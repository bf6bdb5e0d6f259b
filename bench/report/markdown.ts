import { HEADLINE } from '../plan.js';
import type { RunHeader, ScenarioResult } from '../result.js';
import type { Target } from '../targets.js';
import { cell, resultFor, type TableDef } from './figures.js';
import type { GoalOutcome } from './goals.js';

/** A number for a table: thousands separated, `digits` decimals; `—` when missing. */
export function formatNumber(value: number | undefined, digits: number): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A ratio for a table: one decimal from 10, two decimals from 0.1, two significant digits below. */
export function formatRatio(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  if (value >= 10) return `${value.toFixed(1)}×`;
  if (value >= 0.1 || value === 0) return `${value.toFixed(2)}×`;
  return `${Number(value.toPrecision(2))}×`;
}

function row(cells: readonly string[]): string {
  return `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
}

/** One workload table: a row per target, each figure with its ratio to socket.io where asked. */
export function renderTable(
  table: TableDef,
  results: readonly ScenarioResult[],
  targets: readonly Target[],
): string {
  const head = ['target', ...(table.n === 'family' ? ['N'] : [])];
  const align = ['---', ...(table.n === 'family' ? ['---:'] : [])];
  for (const fig of table.figures) {
    head.push(fig.label);
    align.push('---:');
    if (fig.ratio) {
      head.push('vs socket.io');
      align.push('---:');
    }
  }
  const lines = [`### ${table.title}`, '', row(head), row(align)];
  for (const target of targets) {
    const result = resultFor(results, table.workload, table.n, target.id);
    if (!result) continue;
    const cells = [target.label, ...(table.n === 'family' ? [formatNumber(result.n, 0)] : [])];
    if (!result.ok) {
      cells.push(`failed: ${result.error ?? 'unknown'}`);
      lines.push(row(cells));
      continue;
    }
    for (const fig of table.figures) {
      const c = cell(results, table, target, fig.key, targets);
      cells.push(formatNumber(c.value, fig.digits));
      if (fig.ratio) cells.push(target.peer ? '1×' : formatRatio(c.ratio));
    }
    lines.push(row(cells));
  }
  return lines.join('\n');
}

/** The targets table: each goal, what was measured, and whether it holds. */
export function renderGoals(outcomes: readonly GoalOutcome[]): string {
  const lines = [row(['target', 'wanted', 'measured', 'status']), row(['---', '---:', '---:', '---'])];
  for (const o of outcomes) {
    const measured =
      o.measured === undefined
        ? '—'
        : o.goal.absolute || o.goal.added
          ? formatNumber(o.measured, o.goal.added ? 2 : 1)
          : formatRatio(o.measured);
    let status: string = o.status;
    if (o.status === 'misses' && o.shortBy !== undefined) status = `misses (off by ${o.shortBy.toFixed(2)}×)`;
    lines.push(row([o.goal.text, o.wanted, measured, status]));
  }
  return lines.join('\n');
}

/** The run's provenance: date, machine, versions, command. */
export function renderHeader(run: RunHeader): string {
  const m = run.machine;
  const versions = Object.entries(run.versions)
    .map(([name, v]) => `${name} ${v}`)
    .join(', ');
  return [
    `- date: ${run.date}`,
    `- machine: ${m.nproc} cores (nproc), ${m.cpu}, ${m.memGiB} GiB, ${m.platform}`,
    `- node ${m.node}; ${versions}`,
    `- command: \`${run.command}\` (${run.mode} run)${run.commit ? ` at commit ${run.commit}` : ''}`,
  ].join('\n');
}

/** The whole generated report: header, targets, every table, and the chart. */
export function renderReport(
  run: RunHeader,
  results: readonly ScenarioResult[],
  targets: readonly Target[],
  tables: readonly TableDef[],
  outcomes: readonly GoalOutcome[],
  chartPath: string,
  allRuns: readonly ScenarioResult[] = results,
): string {
  const others = renderOtherRuns(allRuns, targets);
  return [
    renderHeader(run),
    '',
    '### Targets (issue 5) in this run',
    '',
    renderGoals(outcomes),
    '',
    ...(others ? [others, ''] : []),
    `![Benchmark chart](${chartPath})`,
    '',
    ...tables.flatMap((t) => [renderTable(t, results, targets), '']),
  ].join('\n');
}

/**
 * The runs a report does not show (each scenario that ran more than once shows its best run), with
 * the headline figure beside the one kept, so nobody has to take the best run on trust.
 */
export function renderOtherRuns(
  runs: readonly ScenarioResult[],
  targets: readonly Target[],
): string | undefined {
  const dropped = runs.filter((r) => r.kept === false);
  if (dropped.length === 0) return undefined;
  const lines = dropped.map((r) => {
    const { figure } = HEADLINE[r.workload];
    const kept = runs.find(
      (k) => k.kept === true && k.workload === r.workload && k.target === r.target && k.n === r.n,
    );
    const label = targets.find((t) => t.id === r.target)?.label ?? r.target;
    const value = r.ok ? formatNumber(r.figures[figure], 1) : `failed (${r.error ?? 'unknown'})`;
    return `- ${r.workload}, ${label}, N = ${formatNumber(r.n, 0)}: ${figure} ${value} (kept: ${formatNumber(kept?.figures[figure], 1)})`;
  });
  return [
    '<details><summary>Runs not shown: each throughput, latency and connect scenario ran more than once and the better run is shown; the others were</summary>',
    '',
    ...lines,
    '',
    '</details>',
  ].join('\n');
}
