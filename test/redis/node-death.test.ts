import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, PresenceFrame } from '../../src/client/core/protocol.js';
import type { SayResult } from '../../src/client/core/types.js';
import { dialer } from '../../src/client/dial.js';
import { connect } from '../../src/client/node-client.js';
import type { Wire } from '../../src/client/wire.js';
import { connectRawWs } from '../helpers/client.js';
import { startHaproxy } from '../helpers/haproxy.js';
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

/** A node of the cluster in its own process, as `switchboard serve` runs one. */
async function nodeProcess(id: string): Promise<{ child: ChildProcess; url: string; port: number }> {
  const port = await freePort();
  const { child, url } = await serve(
    { REDIS_URL: redis.url, NODE_ID: id, TRANSPORTS: 'engineio,rawws', RATE_PER_SEC: '0' },
    ['--port', String(port), '--host', '127.0.0.1'],
  );
  return { child, url, port };
}

/** A client whose first connection goes straight to one node and every later one through the balancer. */
function pinnedThenBalanced(first: () => Promise<Wire>, later: () => Promise<Wire>, nick: string) {
  let dials = 0;
  const client = connect('about:dial', {
    dial: () => (dials++ === 0 ? first() : later()),
    nick,
    backoff: { initialMs: 50, maxMs: 300 },
  });
  const received: ChatMessage[] = [];
  const presence: PresenceFrame[] = [];
  client.on('message', (m) => received.push(m));
  client.on('presence', (p) => presence.push(p));
  return { client, presence: () => presence, messages: () => received, dials: () => dials };
}

const seqsOf = (messages: ChatMessage[]) => messages.map((m) => m.seq);

describe('a node killed with SIGKILL mid-conversation', () => {
  it('its clients resume through haproxy on the others with nothing lost or doubled; its silent members leave within the bound', async () => {
    const nodes = [await nodeProcess('k1'), await nodeProcess('k2'), await nodeProcess('k3')];
    const [victim, n2, n3] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
    const lb = await startHaproxy(nodes.map((n) => n.port));
    const clients: ReturnType<typeof pinnedThenBalanced>[] = [];
    try {
      const viaLb = {
        ws: dialer(`${lb.url.replace('http', 'ws')}/ws`),
        polling: dialer(lb.url, { transport: 'polling' }),
      };
      // Two of the victim's clients will come back; a third (a bare connection) never does.
      clients.push(pinnedThenBalanced(dialer(`${victim.url.replace('http', 'ws')}/ws`), viaLb.ws, 'v-ws'));
      clients.push(pinnedThenBalanced(dialer(victim.url, { transport: 'polling' }), viaLb.polling, 'v-poll'));
      clients.push(pinnedThenBalanced(dialer(`${n2.url.replace('http', 'ws')}/ws`), viaLb.ws, 'o-two'));
      clients.push(pinnedThenBalanced(dialer(n3.url, { transport: 'polling' }), viaLb.polling, 'o-three'));
      for (const c of clients) {
        await c.client.opened();
        await c.client.join('talk');
      }
      const silent = await connectRawWs(victim.url);
      await silent.hello({ nick: 'ghost' });
      await silent.request({ type: 'join', room: 'talk' });

      const total = 80;
      const said: Promise<SayResult>[] = [];
      const exited = once(victim.child, 'exit');
      for (let i = 0; i < total; i++) {
        const c = clients[i % clients.length] as (typeof clients)[0];
        said.push(c.client.say('talk', `t${i}`));
        if (i === total / 2) victim.child.kill('SIGKILL');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await exited;
      // Every say is acked once, the victim's included (resent after the resume, kept once by its cid).
      const acks = await Promise.all(said);
      expect(new Set(acks.map((a) => a.seq)).size).toBe(total);
      const expected = Array.from({ length: total }, (_, i) => i + 1);
      for (const c of clients) {
        await expect.poll(() => c.messages().length, { timeout: 30_000 }).toBeGreaterThanOrEqual(total);
        expect(seqsOf(c.messages())).toEqual(expected);
      }
      // The victim's clients did reconnect (through the balancer) and are chatting.
      expect(clients[0]?.dials()).toBeGreaterThan(1);
      expect(clients[1]?.dials()).toBeGreaterThan(1);
      expect(clients[0]?.client.state).toBe('open');

      // The member that never came back leaves (presence 15 s bound), and its nick is free again.
      const watcher = clients[2] as (typeof clients)[0];
      const leaveSeen = () => watcher.presence().some((p) => p.event === 'leave' && p.nick === 'ghost');
      await expect.poll(leaveSeen, { timeout: 25_000, interval: 250 }).toBe(true);
      const taker = await connectRawWs(n2.url);
      expect(await taker.hello({ nick: 'ghost' })).toMatchObject({ nick: 'ghost' });
      taker.close();
    } finally {
      for (const c of clients) c.client.close();
      await lb.stop();
      for (const n of nodes)
        if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGTERM');
      await Promise.all(
        nodes.map((n) =>
          n.child.exitCode === null && n.child.signalCode === null ? once(n.child, 'exit') : null,
        ),
      );
    }
  }, 90_000);
});
