import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { connectEngine } from '../helpers/client.js';
import { freePort } from '../helpers/ports.js';
import { MAIN, serve } from '../helpers/serve.js';

describe('switchboard serve (the built CLI, as npm start runs it)', () => {
  it('shuts down on SIGTERM: bye shutdown to every connection, exit 0 within 5 s', async () => {
    const { child, url } = await serve();
    const ws = await connectEngine(url, 'websocket');
    const poll = await connectEngine(url, 'polling');
    await ws.hello();
    await poll.hello();
    const started = Date.now();
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    expect(await ws.next('bye')).toMatchObject({ code: 'shutdown' });
    expect(await poll.next('bye')).toMatchObject({ code: 'shutdown' });
    const [code] = await exited;
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses invalid configuration with one line naming the bad value, and exit code 2', async () => {
    for (const [env, args, needle] of [
      [{ PORT: 'abc' }, [], 'PORT=abc'],
      [{ RATE_PER_SEC: '-1' }, [], 'RATE_PER_SEC=-1'],
      [{}, ['--max-frame-bytes', '12'], '--max-frame-bytes=12'],
      [{ TRANSPORTS: 'engineio,carrier-pigeon' }, [], 'carrier-pigeon'],
      [{}, ['--bogus', '1'], '--bogus'],
      [{ AUTH_SECRET: 'short-secret' }, [], 'AUTH_SECRET: it must be at least 32 bytes'],
    ] as const) {
      const child = spawn(process.execPath, [MAIN, 'serve', ...args], {
        env: { ...process.env, LOG_LEVEL: 'silent', PORT: '0', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      child.stderr?.on('data', (c: Buffer) => {
        err += c.toString();
      });
      const [code] = await once(child, 'exit');
      expect(code, needle).toBe(2);
      const lines = err.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(needle);
    }
  });

  it('fails at start-up with one line naming REDIS_URL when Redis is unreachable, exit code 1', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const child = spawn(process.execPath, [MAIN, 'serve'], {
      env: { ...process.env, LOG_LEVEL: 'silent', PORT: '0', REDIS_URL: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    const lines = err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`REDIS_URL=${url}`);
  });
});
