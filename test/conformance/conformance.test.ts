import { describe, expect, it } from 'vitest';
import type { TestClient } from '../helpers/client.js';
import { startServer } from '../helpers/server.js';
import { ALL_TRANSPORTS, DIALERS } from './dialers.js';
import { describeConformance } from './scenarios.js';

for (const dial of DIALERS) describeConformance(dial);

describe('a room with one member on each transport', () => {
  it('gives every member the identical seq sequence 1..500 when all of them send at once', async () => {
    await using server = await startServer({ transports: ALL_TRANSPORTS, ratePerSec: 0 });
    const members: TestClient[] = [];
    for (const [i, dial] of DIALERS.entries()) {
      const c = await dial.connect(server);
      expect(await c.hello({ nick: `m${i}` })).toMatchObject({ transport: dial.transport });
      await c.request({ type: 'join', room: 'mix' });
      members.push(c);
    }
    const perMember = 500 / members.length;
    for (let n = 0; n < perMember; n++) {
      for (const [i, c] of members.entries()) c.send({ type: 'say', room: 'mix', text: `${i}:${n}` });
    }
    const expected = Array.from({ length: 500 }, (_, i) => i + 1);
    const orders: string[][] = [];
    for (const c of members) {
      const seen = await c.waitCount((f) => f.type === 'message', 500, 15_000);
      expect(seen.map((m) => m.seq)).toEqual(expected);
      orders.push(seen.map((m) => String(m.msgId)));
      // Each sender's own messages keep the order it sent them in.
      for (const [i] of members.entries()) {
        const own = seen.filter((m) => String(m.text).startsWith(`${i}:`)).map((m) => m.text);
        expect(own).toEqual(Array.from({ length: perMember }, (_, n) => `${i}:${n}`));
      }
    }
    for (const order of orders) expect(order).toEqual(orders[0]);
    for (const c of members) c.close();
  });
});
