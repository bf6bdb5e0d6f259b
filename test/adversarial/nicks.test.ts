import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nickKey } from '../../src/protocol/names.js';
import { assertStillChats, startHostile } from '../helpers/adversary.js';
import { connectRawWs } from '../helpers/client.js';
import type { TestServer } from '../helpers/server.js';

// Nicks that would pass for a connected `alice` in a text-mode log: none may be granted as asked.
const IMPOSTORS = [
  ['zero-width space', 'alice\u200b'],
  ['word joiner', 'alice\u2060'],
  ['soft hyphen', 'ali\u00adce'],
  ['Cyrillic а', '\u0430lice'],
  ['right-to-left override', '\u202eecila'],
  ['upper case', 'ALICE'],
  ['fullwidth letters', 'ａｌｉｃｅ'],
] as const;

let server: TestServer;
beforeAll(async () => {
  server = await startHostile();
});
afterAll(() => server.close());

describe('nick impersonation', () => {
  for (const [name, wanted] of IMPOSTORS) {
    it(`does not grant "${name}" beside a connected alice, in hello or in a rename`, async () => {
      const alice = await connectRawWs(server.url);
      const mallory = await connectRawWs(server.url);
      try {
        const granted = await alice.hello({ nick: 'alice' });
        expect(granted).toMatchObject({ nick: 'alice' });
        const welcome = await mallory.hello({ nick: wanted });
        expect(welcome.nick).not.toBe(wanted);
        expect(nickKey(String(welcome.nick))).not.toBe(nickKey('alice'));
        const renamed = await mallory.request({ type: 'nick', nick: wanted });
        if (renamed.type === 'ack') {
          expect(renamed.nick).not.toBe(wanted);
          expect(nickKey(String(renamed.nick))).not.toBe(nickKey('alice'));
        } else {
          expect(renamed).toMatchObject({ type: 'error', code: 'invalid_nick' });
        }
      } finally {
        alice.close();
        mallory.close();
      }
      await assertStillChats(server);
    });
  }
});
