import { once } from 'node:events';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine, connectRawWs } from '../helpers/client.js';
import { freePort } from '../helpers/ports.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { serve } from '../helpers/serve.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** One polling request on a connection of its own, so the primary hands each to whichever worker is next. */
function poll(
  port: number,
  query: string,
  body?: string,
): Promise<{ status: number; text: string; via: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: `/engine.io/?EIO=4&transport=polling${query}`,
        method: body === undefined ? 'GET' : 'POST',
        agent: false,
        headers: body === undefined ? {} : { 'content-type': 'text/plain;charset=UTF-8' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text,
            via: res.headers['x-switchboard-via'] as string | undefined,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const framesOf = (payload: string) =>
  payload
    .split('\u001e')
    .filter((p) => p.startsWith('4'))
    .map((p) => JSON.parse(p.slice(1)) as Record<string, unknown>);

describe('switchboard serve --workers 2', () => {
  it('refuses to start without REDIS_URL, with one line', async () => {
    await expect(serve({}, ['--workers', '2', '--port', '0'])).rejects.toThrow(
      /workers above 1 needs REDIS_URL/,
    );
  });

  it('runs two worker nodes on one port: a polling session whose requests land on both chats normally', async () => {
    const port = await freePort();
    const { child } = await serve(
      { REDIS_URL: redis.url, TRANSPORTS: 'engineio,rawws' },
      ['--workers', '2', '--port', String(port), '--host', '127.0.0.1'],
      2,
    );
    const url = `http://127.0.0.1:${port}`;
    try {
      // Both workers listen before the test goes on: each says so once.
      const friend = await connectRawWs(url);
      await friend.hello({ nick: 'friend' });
      await friend.request({ type: 'join', room: 'w' });

      const open = await poll(port, '');
      const { sid } = JSON.parse(open.text.slice(1)) as { sid: string };
      expect(sid).toMatch(/-w[12]\./);
      const vias = new Set<string | undefined>();
      const send = async (frame: Record<string, unknown>) => {
        const r = await poll(port, `&sid=${sid}`, `4${JSON.stringify(frame)}`);
        expect(r).toMatchObject({ status: 200, text: 'ok' });
        vias.add(r.via);
      };
      const seen: Record<string, unknown>[] = [];
      const collect = async (until: (f: Record<string, unknown>) => boolean) => {
        for (let i = 0; i < 40 && !seen.some(until); i++) {
          const r = await poll(port, `&sid=${sid}`);
          expect(r.status).toBe(200);
          vias.add(r.via);
          seen.push(...framesOf(r.text));
        }
        expect(seen.some(until)).toBe(true);
      };
      await send({ type: 'hello', nick: 'poller' });
      await collect((f) => f.type === 'welcome');
      await send({ type: 'join', room: 'w', id: 1 });
      await collect((f) => f.type === 'ack' && f.id === 1);
      for (let i = 0; i < 6; i++) await send({ type: 'say', room: 'w', text: `p${i}`, id: 10 + i });
      await collect((f) => f.type === 'ack' && f.id === 15);
      for (let i = 0; i < 6; i++) await friend.next('message', (m) => m.text === `p${i}`);
      friend.send({ type: 'say', room: 'w', text: 'hello poller', id: 99 });
      await collect((f) => f.type === 'message' && f.text === 'hello poller');
      expect(seen.filter((f) => f.type === 'message').map((f) => f.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      // Some requests were served by the owner itself, some passed on by the other worker. The primary hands
      // each new connection to a free worker, not strictly in turn, so a few more requests may be needed.
      const forwarded = () => [...vias].some((v) => v !== undefined && !sid.startsWith(`${v}.`));
      for (let i = 0; i < 100 && !(forwarded() && vias.has(undefined)); i++)
        await send({ type: 'ping', id: 500 + i });
      expect(vias.has(undefined)).toBe(true);
      expect(forwarded()).toBe(true);
      // An engine.io client on the shared port is none the wiser.
      const eio = await connectEngine(url, 'polling');
      await eio.hello({ nick: 'eio' });
      expect(await eio.request({ type: 'join', room: 'w' })).toMatchObject({ type: 'ack' });
      eio.close();
      friend.close();
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
    }
  }, 60_000);
});
