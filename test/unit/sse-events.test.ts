import { describe, expect, it } from 'vitest';
import { dataField, eventLength, frameEvent, idField } from '../../transports/sse/events.js';

describe('SSE events', () => {
  it('splits a frame event into its own id line and a data part every stream shares, byte for byte', () => {
    expect(frameEvent('t_abc', 7, '{"type":"ack","id":1}')).toBe(
      'id: t_abc:7\ndata: {"type":"ack","id":1}\n\n',
    );
    expect(idField('t_abc', 7) + dataField('{"type":"ack","id":1}')).toBe(
      frameEvent('t_abc', 7, '{"type":"ack","id":1}'),
    );
  });

  it('counts the length of an event without building it, for any number of digits and any frame', () => {
    const frames = ['', '{}', '{"text":"é€😀"}', `{"pad":"${'x'.repeat(5000)}"}`];
    for (const stream of ['t', 't_0123456789abcdef']) {
      for (const n of [0, 1, 9, 10, 99, 100, 12345, 999_999_999, 2 ** 53 - 1]) {
        for (const frame of frames)
          expect(eventLength(stream, n, frame)).toBe(frameEvent(stream, n, frame).length);
      }
    }
  });
});
