import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

/** Debian's redis-server, as the tests use it (test/helpers/redis.ts). */
export const REDIS_SERVER = '/usr/bin/redis-server';

/** A redis-server the bench started on 127.0.0.1. */
export interface BenchRedis {
  url: string;
  child: ChildProcess;
}

/** Whether redis-server is installed; the Redis targets are skipped without it. */
export function hasRedis(): boolean {
  return existsSync(REDIS_SERVER);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts redis-server with no persistence on a free port; resolves once it accepts connections. */
export async function startRedis(timeoutMs = 10_000): Promise<BenchRedis> {
  const port = await freePort();
  const child = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error('redis-server did not start in time')), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout?.resume();
        resolve();
      }
    });
    child.stderr?.resume();
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}`));
    });
  });
  return { url: `redis://127.0.0.1:${port}`, child };
}
