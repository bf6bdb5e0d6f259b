import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import http from 'node:http';
import type net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WireKind } from '../targets.js';
import { now, Peer, stalledPeer, type Target } from './peers.js';
import { parsePromText, type Sample, sampleSum } from './prom-text.js';

const USAGE = `Usage: npm run soak -- [--quick] [--seconds=N]
  --quick      a 20 s run (the default is 120 s)
  --seconds=N  run for N seconds`;

const HERE = dirname(fileURLToPath(import.meta.url));
const TOTAL = 5000;
const MIX = { churn: 500, slow: 20, flood: 100, reader: 100, emitter: 6 };
const STABLE = TOTAL - MIX.churn - MIX.slow - MIX.flood - MIX.reader - MIX.emitter;
const ROOMS = 50;
/** Well-behaved clients cycle through these, so every transport carries part of the load. */
const KINDS: WireKind[] = ['eio-ws', 'eio-ws', 'ws', 'ws', 'eio-polling', 'tcp', 'tcp', 'eio-ws'];
const SAY_EVERY_MS = 1000;
const BLOB = 'b'.repeat(8000);

function parseArgs(argv: readonly string[]): { seconds: number } {
  let seconds = 120;
  for (const arg of argv) {
    if (arg === '--quick') seconds = 20;
    else if (arg.startsWith('--seconds=')) seconds = Number(arg.slice(10));
    else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  if (!(seconds > 0)) throw new Error(USAGE);
  return { seconds };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const roomOf = (i: number) => `soak-${i % ROOMS}`;

/** Starts the server in its own process; resolves with where it listens. */
function startServer(): Promise<{ child: ChildProcess; target: Target }> {
  const child = fork(join(HERE, 'server.js'), [], {
    // One address carries all 5,000 peers: the per-address admission bounds are lifted for it.
    env: {
      ...process.env,
      MAX_CONNECTIONS: '100000',
      MAX_CONNECTIONS_PER_IP: '100000',
      HANDSHAKES_PER_IP_PER_SEC: '100000',
      HANDSHAKE_BURST: '100000',
    },
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    child.once('message', (m: { port: number; tcpPort: number }) =>
      resolve({ child, target: { host: '127.0.0.1', port: m.port, tcpPort: m.tcpPort } }),
    );
  });
}

async function scrape(target: Target): Promise<Sample[]> {
  const res = await fetch(`http://${target.host}:${target.port}/metrics`);
  return parsePromText(await res.text());
}

/** A well-behaved member: what it should have got (from its join's seq on) and what it got. */
interface Member {
  peer: Peer;
  room: string;
  joinSeq: number;
  got: number;
  dup: number;
}

const stats = {
  latencies: [] as number[],
  stableClosed: 0,
  churnCycles: 0,
  resumes: 0,
  floodCuts: 0,
  slowCuts: 0,
  restReads: { ok: 0, limited: 0, other: 0 },
  protoReads: { ok: 0, error: 0 },
};

/** Opens a well-behaved member of `room`; `say` members also post. */
async function member(target: Target, kind: WireKind, nick: string, room: string): Promise<Member> {
  const m: Member = { peer: undefined as unknown as Peer, room, joinSeq: 0, got: 0, dup: 0 };
  let last = 0;
  m.peer = new Peer(
    kind,
    target,
    (f, at) => {
      if (f.type !== 'message' || f.room !== room) return;
      const seq = f.seq as number;
      if (seq <= m.joinSeq) return;
      if (seq <= last) {
        m.dup++;
        return;
      }
      last = seq;
      m.got++;
      const text = f.text as string;
      if (text.startsWith('p:')) stats.latencies.push(at - Number(text.slice(2)));
    },
    () => {
      if (running) stats.stableClosed++;
    },
  );
  await m.peer.ready();
  await m.peer.request({ type: 'hello', v: 1, nick });
  const joined = await m.peer.request({ type: 'join', room });
  if (joined.type !== 'ack') throw new Error(`join refused: ${JSON.stringify(joined)}`);
  m.joinSeq = joined.seq as number;
  last = m.joinSeq;
  return m;
}

let running = true;

/** A client that comes and goes, resuming its rooms half of the time. */
async function churner(target: Target, index: number, until: number): Promise<void> {
  let cursor: { session: string; epoch: string; seq: number } | undefined;
  const room = roomOf(index);
  while (running && now() < until) {
    let seq = 0;
    const peer = new Peer(KINDS[index % KINDS.length] as WireKind, target, (f) => {
      if (f.type === 'message' && f.room === room) seq = Math.max(seq, f.seq as number);
    });
    try {
      await peer.ready();
      const resume =
        cursor && index % 2 === 0
          ? {
              resume: {
                session: cursor.session,
                rooms: { [room]: { epoch: cursor.epoch, seq: cursor.seq } },
              },
            }
          : {};
      const welcome = await peer.request({ type: 'hello', v: 1, nick: `c${index}`, ...resume });
      if (welcome.type === 'ack' && 'resume' in resume) stats.resumes++;
      const joined = await peer.request({ type: 'join', room });
      if (welcome.type === 'ack' && joined.type === 'ack')
        cursor = {
          session: welcome.session as string,
          epoch: joined.epoch as string,
          seq: joined.seq as number,
        };
      await sleep(2000 + Math.random() * 6000);
      if (cursor) cursor.seq = Math.max(cursor.seq, seq);
    } catch {
      // refused or cut: try again
    }
    peer.close();
    stats.churnCycles++;
    await sleep(200 + Math.random() * 800);
  }
}

/** A client past the rate limit: 100 frames at once, again and again, reconnecting when cut. */
async function flooder(target: Target, index: number, until: number): Promise<void> {
  while (running && now() < until) {
    const peer = new Peer('ws', target);
    try {
      await peer.ready();
      await peer.request({ type: 'hello', v: 1, nick: `f${index}` });
      while (!peer.closed && running) {
        for (let i = 0; i < 100; i++) peer.send({ type: 'ping', id: 100_000 + i });
        await sleep(2000);
      }
      if (peer.closed) stats.floodCuts++;
    } catch {}
    peer.close();
    await sleep(1000);
  }
}

/** A peer that stops reading a busy room; it comes back once the server has cut it. */
async function slowConsumer(target: Target, index: number, until: number): Promise<void> {
  while (running && now() < until) {
    let socket: net.Socket | undefined;
    await new Promise<void>((resolve) => {
      socket = stalledPeer(target, `s${index}`, 'blobs', resolve);
      const stop = setInterval(() => {
        if (!running) {
          clearInterval(stop);
          socket?.destroy();
        }
      }, 500);
      socket.once('close', () => clearInterval(stop));
    });
    if (running) stats.slowCuts++;
    await sleep(1000);
  }
}

/** Reads history over REST and over the protocol, in turn. */
async function reader(target: Target, index: number, until: number): Promise<void> {
  const peer = new Peer('eio-ws', target);
  await peer.ready();
  await peer.request({ type: 'hello', v: 1, nick: `r${index}` });
  for (let turn = 0; running && now() < until; turn++) {
    const room = roomOf(index + turn);
    if (turn % 2 === 0) {
      const status = await new Promise<number>((resolve) => {
        http
          .get(`http://${target.host}:${target.port}/api/rooms/${room}/messages?limit=50`, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
          .on('error', () => resolve(0));
      });
      if (status === 200) stats.restReads.ok++;
      else if (status === 429) stats.restReads.limited++;
      else stats.restReads.other++;
    } else {
      const answer = await peer.request({ type: 'history', room, limit: 50 });
      if (answer.type === 'ack') stats.protoReads.ok++;
      else stats.protoReads.error++;
    }
    await sleep(1500 + Math.random() * 1000);
  }
  peer.close();
}

/** An emitter feeding the slow consumers' room, inside the rate limit. */
async function emitter(target: Target, index: number, until: number): Promise<void> {
  const peer = new Peer('eio-ws', target);
  await peer.ready();
  await peer.request({ type: 'hello', v: 1, nick: `e${index}` });
  await peer.request({ type: 'join', room: 'blobs' });
  while (running && now() < until && !peer.closed) {
    peer.send({ type: 'emit', room: 'blobs', event: 'blob', data: BLOB });
    await sleep(70);
  }
  peer.close();
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const DELTAS: [string, Record<string, string>?][] = [
  ['switchboard_connections_opened_total'],
  ['switchboard_connections_closed_total'],
  ['switchboard_connections_closed_total', { reason: 'slow_consumer' }],
  ['switchboard_connections_closed_total', { reason: 'rate_limited' }],
  ['switchboard_frames_in_total'],
  ['switchboard_frames_out_total'],
  ['switchboard_errors_total', { code: 'rate_limited' }],
  ['switchboard_refusals_total', { reason: 'rate_limited' }],
  ['switchboard_refusals_total'],
  ['switchboard_resumes_total'],
  ['switchboard_gaps_total'],
  ['switchboard_slow_consumer_closes_total'],
  ['switchboard_upgrades_total'],
  ['switchboard_fallbacks_total'],
  ['switchboard_delivery_latency_seconds_count'],
];

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;
const ms = (x: number) => `${x.toFixed(1)} ms`;

async function main(): Promise<number> {
  const { seconds } = parseArgs(process.argv.slice(2));
  const { child, target } = await startServer();
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  console.log(
    `soak: ${TOTAL} connections for ${seconds} s against 127.0.0.1:${target.port} (commit ${commit})`,
  );
  try {
    const members: Member[] = [];
    for (let start = 0; start < STABLE; start += 100) {
      const batch = [];
      for (let i = start; i < Math.min(STABLE, start + 100); i++)
        batch.push(member(target, KINDS[i % KINDS.length] as WireKind, `m${i}`, roomOf(i)));
      members.push(...(await Promise.all(batch)));
    }
    console.log(`${members.length} well-behaved members connected`);
    const first = await scrape(target);
    const t0 = now();
    const until = t0 + seconds * 1000;
    const tasks: Promise<void>[] = [];
    for (let i = 0; i < MIX.churn; i++) tasks.push(churner(target, i, until));
    for (let i = 0; i < MIX.flood; i++) tasks.push(flooder(target, i, until));
    for (let i = 0; i < MIX.slow; i++) tasks.push(slowConsumer(target, i, until));
    for (let i = 0; i < MIX.reader; i++) tasks.push(reader(target, i, until));
    for (let i = 0; i < MIX.emitter; i++) tasks.push(emitter(target, i, until));
    // One sender per room, a message a second: each message carries its send time.
    const finalSeq = new Map<string, number>();
    const senders = members.slice(0, ROOMS);
    const posting = (async () => {
      while (now() < until) {
        await Promise.all(
          senders.map(async (s) => {
            const ack = await s.peer.request({ type: 'say', room: s.room, text: `p:${now()}` });
            if (ack.type === 'ack')
              finalSeq.set(s.room, Math.max(finalSeq.get(s.room) ?? 0, ack.seq as number));
          }),
        );
        await sleep(SAY_EVERY_MS);
      }
    })();
    let peak = 0;
    const sampler = setInterval(() => {
      void scrape(target).then((s) => {
        peak = Math.max(peak, sampleSum(s, 'switchboard_connections'));
      });
    }, 5000);
    await posting;
    running = false;
    clearInterval(sampler);
    await Promise.all(tasks);
    // Let the last messages reach every member (polling ones collect them on their next poll).
    await sleep(3000);
    const last = await scrape(target);

    let expected = 0;
    let got = 0;
    let dup = 0;
    for (const m of members) {
      expected += (finalSeq.get(m.room) ?? m.joinSeq) - m.joinSeq;
      got += m.got;
      dup += m.dup;
    }
    const loss = expected - got;
    const lat = stats.latencies.sort((a, b) => a - b);
    const rss = (s: Sample[]) => sampleSum(s, 'process_resident_memory_bytes');
    console.log(`duration                ${seconds} s, peak open connections ${peak}`);
    console.log(`server RSS              start ${mb(rss(first))}, end ${mb(rss(last))}`);
    console.log(
      `event-loop lag          p99 ${ms(sampleSum(last, 'nodejs_eventloop_lag_p99_seconds') * 1000)}, max ${ms(sampleSum(last, 'nodejs_eventloop_lag_max_seconds') * 1000)}`,
    );
    console.log(
      `delivery latency        p50 ${ms(percentile(lat, 50))}, p99 ${ms(percentile(lat, 99))}, max ${ms(lat.at(-1) ?? Number.NaN)} (${lat.length} deliveries)`,
    );
    console.log(`loss                    ${loss} of ${expected} expected (duplicates ${dup})`);
    console.log(`well-behaved cut        ${stats.stableClosed}`);
    console.log(
      `churn                   ${stats.churnCycles} cycles, ${stats.resumes} resumes; floods cut ${stats.floodCuts}; slow consumers cut ${stats.slowCuts}`,
    );
    console.log(
      `history reads           REST ${stats.restReads.ok} ok, ${stats.restReads.limited} limited (429), ${stats.restReads.other} other; protocol ${stats.protoReads.ok} ok, ${stats.protoReads.error} errors`,
    );
    console.log('/metrics deltas (end - start):');
    for (const [name, labels] of DELTAS) {
      const d = sampleSum(last, name, labels) - sampleSum(first, name, labels);
      console.log(`  ${name}${labels ? JSON.stringify(labels) : ''} ${d}`);
    }
    for (const m of members) m.peer.close();
    return loss > 0 || stats.stableClosed > 0 ? 1 : 0;
  } finally {
    child.disconnect();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
