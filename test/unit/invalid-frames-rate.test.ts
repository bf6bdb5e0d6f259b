import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/protocol/errors.js';
import { testHub } from '../helpers/memory-connection.js';

describe('invalid frames and the rate limit', () => {
  it('charges a token for each frame the transport could not decode, so a flood of them is cut', async () => {
    const t = testHub();
    const m = t.connect();
    m.send({ type: 'hello', nick: 'mallory' });
    await t.settle();
    // 400 frames a second: one good ping (under the limit alone, and it resets the run of bad frames
    // that would otherwise be kicked) and 19 bad ones per 50 ms... but only the bucket can see the flood.
    for (let tick = 0; tick < 40 && !m.conn.closed; tick++) {
      m.send({ type: 'ping', id: tick + 1 });
      for (let i = 0; i < 19; i++) m.session.invalid(new ProtocolError('bad_frame', 'bad UTF-8'));
      await t.settle();
      t.advance(50);
    }
    expect(m.conn.closed).toBe(true);
    const bye = m.conn.frames().find((f) => f.type === 'bye');
    expect(bye).toMatchObject({ code: 'rate_limited' });
  });

  it('still answers an occasional bad frame with an error and keeps the connection', async () => {
    const t = testHub();
    const m = t.connect();
    m.send({ type: 'hello', nick: 'carol' });
    await t.settle();
    m.session.invalid(new ProtocolError('bad_frame', 'binary'));
    m.send({ type: 'ping', id: 1 });
    await t.settle();
    expect(m.conn.closed).toBe(false);
    expect(m.conn.frames().some((f) => f.type === 'error' && f.code === 'bad_frame')).toBe(true);
  });
});
