import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBinary } from './binaries.js';
import { freePort } from './ports.js';

/** Debian's haproxy, the load balancer of the cluster tests. */
export const HAPROXY = '/usr/sbin/haproxy';
const READY_MS = 10_000;

/** The Debian haproxy path, installed with apt when missing (see ensureBinary). */
export function findHaproxy(): string {
  return ensureBinary(HAPROXY, 'haproxy');
}

/** A real haproxy in front of some backends; `await using` stops it. */
export interface TestHaproxy extends AsyncDisposable {
  port: number;
  /** http://127.0.0.1:PORT */
  url: string;
  /** The configuration it runs, as docs/scaling.md shows it. */
  config: string;
  stop(): Promise<void>;
}

/**
 * The tested balancer configuration: HTTP mode, plain round-robin over every request (keep-alive does not
 * pin a client to a server, and there is no cookie or source stickiness), WebSocket tunnels kept open.
 */
export function haproxyConfig(port: number, backends: readonly number[]): string {
  return [
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    // A request whose server refuses the connection (a node that died) is sent to another one at once, and
    // a node failing its health check gets no new requests: clients of a dead node reconnect to the others.
    '  retries 2',
    '  option redispatch 1',
    '  default-server inter 1s fall 2 rise 1',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout tunnel 1h',
    'frontend switchboard',
    `  bind 127.0.0.1:${port}`,
    '  default_backend nodes',
    'backend nodes',
    '  balance roundrobin',
    '  option httpchk GET /healthz',
    ...backends.map((p, i) => `  server node${i + 1} 127.0.0.1:${p} check`),
    '',
  ].join('\n');
}

/** Whether something accepts TCP connections on the port. */
function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts haproxy on a free port, round-robin over `backends` (ports of 127.0.0.1), once it accepts. */
export function startHaproxy(backends: readonly number[]): Promise<TestHaproxy> {
  return runHaproxy((port) => haproxyConfig(port, backends));
}

/** Starts haproxy on a free port with the configuration `configFor(port)` writes, once it accepts. */
export async function runHaproxy(configFor: (port: number) => string): Promise<TestHaproxy> {
  const binary = findHaproxy();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sb-haproxy-'));
  const file = join(dir, 'haproxy.cfg');
  const config = configFor(port);
  writeFileSync(file, config);
  const child: ChildProcess = spawn(binary, ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + READY_MS;
  while (!(await accepting(port))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`haproxy did not start on port ${port}: ${stderr.trim().split('\n').at(-1) ?? ''}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const stop = async () => {
    if (!exited) {
      const done = once(child, 'exit');
      child.kill('SIGTERM');
      await done;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { port, url: `http://127.0.0.1:${port}`, config, stop, [Symbol.asyncDispose]: stop };
}
