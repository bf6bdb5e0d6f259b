import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatPage, launchBrowser } from '../helpers/browser.js';
import { connectEngine, type TestClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';

// The browser client's close() is a leave on purpose: with a presence grace far longer than any wait
// here, a `leave` the others see at once can only come from its `quit`; a reload is no leave at all.

let server: TestServer;
let browser: Browser;
let watcher: TestClient;

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer({ presenceGraceMs: 120_000 }), launchBrowser()]);
  watcher = await connectEngine(server.url, 'websocket');
  await watcher.hello({ nick: 'watcher' });
  await watcher.request({ type: 'join', room: 'bye' });
});

afterAll(async () => {
  watcher?.close();
  await browser?.close();
  await server?.close();
});

describe('the browser client leaving', () => {
  for (const transport of ['websocket', 'sse', 'polling']) {
    it(`over ${transport}: close() tells the room at once`, async () => {
      const nick = `leaver-${transport}`;
      const page = await ChatPage.open(browser, server.url, { params: { nick, room: 'bye', transport } });
      await watcher.next('presence', (f) => f.nick === nick && f.event === 'join');
      await page.page.evaluate(() => window.switchboard.close());
      await watcher.next('presence', (f) => f.nick === nick && f.event === 'leave');
      expect(((await watcher.request({ type: 'who', room: 'bye' })).members as string[]).sort()).toEqual([
        'watcher',
      ]);
      await page.context.close();
    });
  }
  it('a reload resumes the same session: no leave and no join for the others', async () => {
    const page = await ChatPage.open(browser, server.url, { params: { nick: 'reloader', room: 'bye' } });
    await watcher.next('presence', (f) => f.nick === 'reloader' && f.event === 'join');
    const session = await page.page.evaluate(() => window.switchboard.diagnostics().session);
    const from = watcher.frames.length;
    await page.reload();
    expect(await page.page.evaluate(() => window.switchboard.diagnostics().session)).toBe(session);
    await page.say('back after a reload');
    await watcher.waitFor((f) => f.type === 'message' && f.text === 'back after a reload');
    const flaps = watcher.frames.slice(from).filter((f) => f.type === 'presence' && f.nick === 'reloader');
    expect(flaps).toEqual([]);
    // A second tab of the same origin is someone else: it does not take the first one's session.
    const other = await page.context.newPage();
    await other.goto(`${server.url}/?nick=second&room=bye`);
    await watcher.next('presence', (f) => f.nick === 'second' && f.event === 'join');
    expect(await page.page.evaluate(() => window.switchboard.state)).toBe('open');
    await page.context.close();
  });
});
