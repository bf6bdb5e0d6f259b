import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { ensureBinary } from './binaries.js';
import { freePort } from './ports.js';

/** Debian's redis-server, which the Redis tests run. */
export const REDIS_SERVER = '/usr/bin/redis-server';

/** The Debian redis-server path, installed with apt when missing (see ensureBinary). */
export function findRedisServer(): string {
  return ensureBinary(REDIS_SERVER, 'redis-server');
}

/** A real redis-server on a free port of 127.0.0.1, with no persistence; `await using` stops it. */
export interface TestRedis extends AsyncDisposable {
  port: number;
  /** redis://127.0.0.1:PORT */
  url: string;
  /** Stops the server (its data is gone: nothing is persisted). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  /** True while the process runs. */
  readonly running: boolean;
}

/** Starts redis-server on a free port and resolves once it accepts connections. */
export async function startRedis(): Promise<TestRedis> {
  const binary = findRedisServer();
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = async () => {
    if (child) return;
    const proc = spawn(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          proc.stdout?.off('data', onData);
          // Keep draining so a chatty server never blocks on a full pipe.
          proc.stdout?.resume();
          resolve();
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      proc.once('error', reject);
      proc.once('exit', (code) => {
        child = undefined;
        reject(
          new Error(`redis-server on port ${port} exited with ${code}: ${output.trim().split('\n').at(-1)}`),
        );
      });
    });
  };

  const stop = async () => {
    const proc = child;
    if (!proc) return;
    const exited = once(proc, 'exit');
    proc.kill('SIGKILL');
    await exited;
    child = undefined;
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    get running() {
      return child !== undefined;
    },
    [Symbol.asyncDispose]: stop,
  };
}
