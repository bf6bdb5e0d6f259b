import { describe, expect, expectTypeOf, it } from 'vitest';
import * as client from '../../../src/client/core/protocol.js';
import type * as server from '../../../src/protocol/schemas.js';

describe('decodeFrames', () => {
  it('returns a plain frame as it is', () => {
    expect(
      client.decodeFrames('{"type":"presence","room":"a","event":"join","nick":"n","members":2}'),
    ).toEqual([{ type: 'presence', room: 'a', event: 'join', nick: 'n', members: 2 }]);
  });

  it('unpacks a batch into its frames, in order', () => {
    const batch = JSON.stringify({
      type: 'batch',
      frames: [
        { type: 'message', room: 'a', seq: 1, msgId: 'm1', from: 'x', text: '1', ts: 1 },
        { type: 'message', room: 'a', seq: 2, msgId: 'm2', from: 'x', text: '2', ts: 2 },
        { type: 'ack', id: 3 },
      ],
    });
    expect(client.decodeFrames(batch).map((f) => f.type)).toEqual(['message', 'message', 'ack']);
    expect(client.decodeFrames(batch).map((f) => (f as { seq?: number }).seq)).toEqual([1, 2, undefined]);
  });

  it('yields nothing for text that is not a frame, and skips malformed inner frames', () => {
    for (const text of ['', 'nope', '[]', '42', '{"type":1}', '{"type":"batch"}']) {
      expect(client.decodeFrames(text)).toEqual([]);
    }
    expect(client.decodeFrames('{"type":"batch","frames":[1,{"type":"ack","id":1},null]}')).toEqual([
      { type: 'ack', id: 1 },
    ]);
  });

  it('offers the batch capability', () => {
    expect(client.CLIENT_CAPS).toContain('batch');
  });
});

describe('client frame types', () => {
  it('accept every frame the server schemas allow', () => {
    // Compile-time checks (tsc runs over the tests): a server change the client types do not cover fails typecheck.
    expectTypeOf<server.WelcomeFrame>().toExtend<client.WelcomeFrame>();
    expectTypeOf<server.MessageFrame>().toExtend<client.MessageFrame>();
    expectTypeOf<server.PresenceFrame>().toExtend<client.PresenceFrame>();
    expectTypeOf<server.EventFrame>().toExtend<client.EventFrame>();
    expectTypeOf<server.ErrorFrame>().toExtend<client.ErrorFrame>();
    expectTypeOf<server.GapFrame>().toExtend<client.GapFrame>();
    expectTypeOf<server.ResumedFrame>().toExtend<client.ResumedFrame>();
    expectTypeOf<server.ByeFrame>().toExtend<client.ByeFrame>();
    expectTypeOf<server.ChatMessage>().toExtend<client.ChatMessage>();
    expectTypeOf<server.ServerFrame>().toExtend<client.ServerFrame>();
  });
});
