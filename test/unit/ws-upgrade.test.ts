import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { acceptWebSocket, offeredSubprotocols } from '../../transports/ws-upgrade.js';

/** An upgrade request as the HTTP parser hands it on: method and lower-cased headers. */
function request(headers: Record<string, string>, method = 'GET'): IncomingMessage {
  return {
    method,
    headers: {
      upgrade: 'websocket',
      connection: 'Upgrade',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-version': '13',
      ...headers,
    },
  } as unknown as IncomingMessage;
}

describe('acceptWebSocket', () => {
  it("answers RFC 6455's own example with its accept value, and no subprotocol when none was offered", () => {
    const verdict = acceptWebSocket(request({}));
    expect(verdict).toEqual({
      ok: true,
      head:
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n',
    });
  });

  it('takes the first offered subprotocol by default, or what the chooser picks, or none', () => {
    const offered = request({ 'sec-websocket-protocol': 'chat, superchat' });
    expect(acceptWebSocket(offered)).toMatchObject({
      head: expect.stringContaining('Sec-WebSocket-Protocol: chat\r\n'),
    });
    expect(acceptWebSocket(offered, (names) => names[1])).toMatchObject({
      head: expect.stringContaining('Sec-WebSocket-Protocol: superchat\r\n'),
    });
    expect(acceptWebSocket(offered, () => undefined)).toMatchObject({
      head: expect.not.stringContaining('Sec-WebSocket-Protocol'),
    });
  });

  it('takes version 8 as ws does, and an Upgrade header in any case', () => {
    expect(acceptWebSocket(request({ 'sec-websocket-version': '8', upgrade: 'WebSocket' })).ok).toBe(true);
  });

  const refused: [string, IncomingMessage, string][] = [
    ['a POST', request({}, 'POST'), 'Invalid HTTP method'],
    ['another Upgrade', request({ upgrade: 'h2c' }), 'Invalid Upgrade header'],
    [
      'a short key',
      request({ 'sec-websocket-key': 'c2hvcnQ=' }),
      'Missing or invalid Sec-WebSocket-Key header',
    ],
    [
      'a key with a bad character',
      request({ 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ!=' }),
      'Missing or invalid Sec-WebSocket-Key header',
    ],
    [
      'version 12',
      request({ 'sec-websocket-version': '12' }),
      'Missing or invalid Sec-WebSocket-Version header',
    ],
    [
      'a repeated subprotocol',
      request({ 'sec-websocket-protocol': 'a, a' }),
      'Invalid Sec-WebSocket-Protocol header',
    ],
    [
      'an empty subprotocol',
      request({ 'sec-websocket-protocol': 'a,,b' }),
      'Invalid Sec-WebSocket-Protocol header',
    ],
    [
      'a subprotocol that is no token',
      request({ 'sec-websocket-protocol': 'a b' }),
      'Invalid Sec-WebSocket-Protocol header',
    ],
  ];
  for (const [name, req, message] of refused) {
    it(`refuses ${name}`, () => {
      expect(acceptWebSocket(req)).toMatchObject({ ok: false, message });
    });
  }

  it('names the versions served when the version is wrong', () => {
    expect(acceptWebSocket(request({ 'sec-websocket-version': '7' }))).toMatchObject({ versions: '13, 8' });
  });
});

describe('offeredSubprotocols', () => {
  it('reads a token list with spaces and tabs around the commas', () => {
    expect(offeredSubprotocols('switchboard.v1 ,\tchat')).toEqual(['switchboard.v1', 'chat']);
    expect(offeredSubprotocols(undefined)).toEqual([]);
    expect(offeredSubprotocols('')).toBeUndefined();
  });
});
