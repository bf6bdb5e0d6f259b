import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { best, FULL, QUICK, type Scenario, scenarios, WORKLOADS, type Workload } from './plan.js';
import { writeReport } from './report/write.js';
import type { RunHeader, ScenarioResult } from './result.js';
import { runScenario } from './runner.js';
import { hasRedis, REDIS_SERVER } from './server/redis.js';
import { TARGETS } from './targets.js';

/** The repository root (this file runs from dist/bench/). */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const USAGE = `Usage: npm run bench -- [options]
  --quick             smaller sizes and shorter runs (under two minutes); report in bench/results/
  --only=ID,...       targets to run (${TARGETS.map((t) => t.id).join(', ')})
  --workloads=W,...   workloads to run (${WORKLOADS.join(', ')})
  --profile           CPU-profile each server over the measured window; on the memory workload, heap
                      snapshots before and after (bench/results/profiles/; compare: node dist/bench/heap-diff.js)
  --no-docs           do not write docs/benchmarks.md after a full run
  --report=FILE       only write the report again from a results file (bench/results/*.jsonl)
`;

interface Options {
  quick: boolean;
  only: string[] | undefined;
  workloads: Workload[];
  profile: boolean;
  docs: boolean;
  report: string | undefined;
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = {
    quick: false,
    only: undefined,
    workloads: [...WORKLOADS],
    profile: false,
    docs: true,
    report: undefined,
  };
  for (const arg of argv) {
    const [flag, value = ''] = arg.split('=', 2);
    if (flag === '--quick') options.quick = true;
    else if (flag === '--profile') options.profile = true;
    else if (flag === '--no-docs') options.docs = false;
    else if (flag === '--report') options.report = value;
    else if (flag === '--only') options.only = value.split(',').filter(Boolean);
    else if (flag === '--workloads') {
      const wanted = value.split(',').filter(Boolean);
      const unknown = wanted.filter((w) => !(WORKLOADS as readonly string[]).includes(w));
      if (unknown.length > 0) throw new Error(`unknown workload ${unknown.join(', ')}\n${USAGE}`);
      options.workloads = wanted as Workload[];
    } else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  const unknown = (options.only ?? []).filter((id) => !TARGETS.some((t) => t.id === id));
  if (unknown.length > 0) throw new Error(`unknown target ${unknown.join(', ')}\n${USAGE}`);
  return options;
}

function versionOf(pkg: string): string {
  try {
    const json = JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as {
      version: string;
    };
    return json.version;
  } catch {
    return 'unknown';
  }
}

/** The commit under test, with `-dirty` for uncommitted changes; undefined outside a git checkout. */
function commit(): string | undefined {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

function header(mode: 'full' | 'quick', argv: readonly string[]): RunHeader {
  const measured = commit();
  return {
    kind: 'run',
    date: new Date().toISOString(),
    mode,
    command: ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' '),
    ...(measured ? { commit: measured } : {}),
    machine: {
      nproc: os.availableParallelism(),
      cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
    },
    versions: Object.fromEntries(['engine.io', 'ws', 'socket.io', 'fastify'].map((p) => [p, versionOf(p)])),
  };
}

/** A one-line figure summary for the log. */
function brief(result: ScenarioResult): string {
  if (!result.ok) return `FAILED: ${result.error}`;
  const f = result.figures;
  const fmt = (v: number | undefined, digits = 0) => (v === undefined ? '?' : v.toFixed(digits));
  switch (result.workload) {
    case 'throughput':
      return `${fmt(f.deliveriesPerSec)} deliveries/s, server ${fmt(f.serverUsPerDelivery, 2)} µs/delivery (${fmt(f.serverCpuPct)}% CPU), load ${fmt(f.loadCpuPct)}% CPU`;
    case 'latency':
      return `p50 ${fmt(f.p50, 1)} p90 ${fmt(f.p90, 1)} p99 ${fmt(f.p99, 1)} max ${fmt(f.max, 1)} ms, ${fmt(f.deliveredPct, 1)}% delivered, server ${fmt(f.serverCpuPct)}% CPU`;
    case 'memory':
      return `${fmt(f.rssKBPerConn, 1)} KB RSS, ${fmt(f.heapKBPerConn, 1)} KB heap per connection`;
    case 'connect':
      return `${fmt(f.connectsPerSec)} connections/s, p99 ${fmt(f.connectP99Ms, 1)} ms`;
    case 'scale':
      return `${fmt(f.rssKBPerConn, 1)} KB RSS, ${fmt(f.heapKBPerConn, 1)} KB heap per connection, loop lag p99 ${fmt(f.lagConnectP99Ms, 1)} ms connecting, ${fmt(f.lagIdleP99Ms, 1)} ms idle`;
  }
}

/** Writes the report of a recorded run again (full runs also rewrite docs/benchmarks.md). */
function rereport(file: string, docs: boolean): void {
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const records = lines.map((l) => JSON.parse(l) as RunHeader | ScenarioResult);
  const run = records.find((r): r is RunHeader => r.kind === 'run');
  if (!run) throw new Error(`${file} has no run header`);
  const results = records.filter((r): r is ScenarioResult => r.kind === 'result');
  const written = writeReport(ROOT, run, results, { docs: docs && run.mode === 'full' });
  process.stderr.write(`report: ${written.map((p) => relative(ROOT, p)).join(', ')}\n`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseArgs(argv);
  if (options.report) {
    rereport(options.report, options.docs);
    return;
  }
  const plan = options.quick ? QUICK : FULL;
  const chosen = options.only ? TARGETS.filter((t) => options.only?.includes(t.id)) : TARGETS;
  const redisMissing = !hasRedis() && chosen.some((t) => t.redis);
  // Without redis-server only the Redis targets go; the report lists them as skipped.
  if (redisMissing)
    process.stderr.write(
      `bench: ${REDIS_SERVER} not found (apt-get install redis-server): skipping the Redis targets\n`,
    );
  const targets = redisMissing ? chosen.filter((t) => !t.redis) : chosen;
  const list = scenarios(plan, targets, options.workloads);
  const resultsDir = join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const run = header(plan.mode, argv);
  const file = join(resultsDir, `${run.date.replace(/[:.]/g, '-')}-${plan.mode}.jsonl`);
  appendFileSync(file, `${JSON.stringify(run)}\n`);
  const profileDir = join(resultsDir, 'profiles', run.date.replace(/[:.]/g, '-'));
  if (options.profile) mkdirSync(profileDir, { recursive: true });
  const tty = process.stderr.isTTY;
  const t0 = performance.now();
  const results: ScenarioResult[] = [];
  process.stderr.write(
    `bench (${plan.mode}): ${list.length} scenarios, results in ${relative(ROOT, file)}\n`,
  );
  /** Runs one scenario once, its progress and outcome on stderr. */
  const runOnce = async (scenario: Scenario, attempt: number, repeats: number): Promise<ScenarioResult> => {
    const round = repeats > 1 ? ` (run ${attempt}/${repeats})` : '';
    const name = `[${list.indexOf(scenario) + 1}/${list.length}] ${scenario.workload} ${scenario.target.id} n=${scenario.n}${round}`;
    const elapsed = () => `${Math.round((performance.now() - t0) / 1000)}s`;
    let lastLine = 0;
    const result = await runScenario(scenario, {
      ...(options.profile ? { profileDir } : {}),
      onProgress: (text) => {
        const line = `${elapsed()} ${name}: ${text}`;
        if (tty) process.stderr.write(`\r\x1b[K${line}`);
        else if (performance.now() - lastLine > 5000) {
          lastLine = performance.now();
          process.stderr.write(`${line}\n`);
        }
      },
    });
    process.stderr.write(`${tty ? '\r\x1b[K' : ''}${elapsed()} ${name}: ${brief(result)}\n`);
    return { ...result, attempt };
  };
  // Repeats go round by round over a workload's scenarios (A, B, …, then A, B, … again) rather than
  // target by target: the machine's slow minutes then fall on every target alike, not on one of a ratio.
  for (const workload of new Set(list.map((s) => s.workload))) {
    const group = list.filter((s) => s.workload === workload);
    const repeats = plan.repeats[workload];
    const runs = new Map<Scenario, ScenarioResult[]>(group.map((s) => [s, []]));
    for (let attempt = 1; attempt <= repeats; attempt++) {
      for (const scenario of group) runs.get(scenario)?.push(await runOnce(scenario, attempt, repeats));
    }
    for (const mine of runs.values()) {
      const kept = best(mine);
      for (const r of mine) {
        const marked = { ...r, kept: r === kept };
        appendFileSync(file, `${JSON.stringify(marked)}\n`);
        results.push(marked);
      }
    }
  }
  const written = writeReport(ROOT, run, results, {
    docs:
      options.docs && plan.mode === 'full' && !options.only && options.workloads.length === WORKLOADS.length,
  });
  process.stderr.write(`report: ${written.map((p) => relative(ROOT, p)).join(', ')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
