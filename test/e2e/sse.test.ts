import type { Socket } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatPage, launchBrowser } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';

// The order WebSocket → SSE → long-polling in real Chromium, the reasons it records, and liveness after a
// page was frozen while its connection died.

let server: TestServer;
let browser: Browser;

function open(params: Record<string, string>, initScript?: () => void): Promise<ChatPage> {
  return ChatPage.open(browser, server.url, { params, ...(initScript ? { initScript } : {}) });
}

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('SSE in Chromium', () => {
  it('lands on SSE in a page whose window.WebSocket was removed, and chats with a WebSocket page', async () => {
    const noWs = await open({ nick: 'nows', room: 'sse' }, () => {
      delete (window as { WebSocket?: unknown }).WebSocket;
    });
    const ws = await open({ nick: 'withws', room: 'sse' });
    await noWs.waitForBadge('SSE');
    await ws.waitForBadge('WebSocket');
    await noWs.waitForMember('withws');
    await noWs.say('over an event stream');
    await ws.waitForMessage('nows', 'over an event stream');
    await ws.say('back to SSE');
    await noWs.waitForMessage('withws', 'back to SSE');
    const d = await noWs.page.evaluate(() => window.switchboard.diagnostics());
    expect(d.attempts.map((a) => [a.transport, a.result, a.code])).toEqual([
      ['websocket', 'skipped', 'unavailable'],
      ['sse', 'ok', undefined],
    ]);
    expect(noWs.websockets).toEqual([]);
    expect(noWs.errors).toEqual([]);
  });

  it('lands on long-polling when WebSocket is removed and the event stream is blocked, recording why', async () => {
    const page = await ChatPage.open(browser, server.url, {
      params: { nick: 'blocked', room: 'sse' },
      initScript: () => {
        delete (window as { WebSocket?: unknown }).WebSocket;
      },
      prepare: async (context) => {
        await context.route(/\/sse\//, (route) => route.abort('connectionrefused'));
      },
    });
    await page.waitForBadge('long-polling');
    const d = await page.page.evaluate(() => window.switchboard.diagnostics());
    expect(d.attempts.map((a) => [a.transport, a.result, a.code])).toEqual([
      ['websocket', 'skipped', 'unavailable'],
      ['sse', 'failed', 'refused'],
      ['polling', 'ok', undefined],
    ]);
    await page.say('polled through');
    await page.waitForMessage('blocked', 'polled through');
  });

  it('is chatting again at once on waking from a freeze during which its connection died, with nothing lost', async () => {
    // No heartbeat of either side can notice within this test (engine.io's nor the page's): only the
    // page's own check on waking can find the dead link. Its bound is the liveness deadline (1.5 s) and
    // a reconnect at once, within the 2 s the issue asks; the wait below is only a generous cap.
    await using quiet = await startServer({
      pingIntervalMs: 600_000,
      pingTimeoutMs: 600_000,
      connectionTimeoutMs: 0,
    });
    const params = { room: 'freeze', heartbeatMs: '600000' };
    const sleeper = await ChatPage.open(browser, quiet.url, { params: { ...params, nick: 'sleeper' } });
    const talker = await ChatPage.open(browser, quiet.url, { params: { ...params, nick: 'talker' } });
    await sleeper.waitForMember('talker');
    // A browser hides a tab before it freezes it and shows it again after; headless Chromium keeps every
    // page visible, so the page is told so as a browser would tell it (the freeze itself is real).
    const setVisibility = (state: 'hidden' | 'visible') =>
      sleeper.page.evaluate((to) => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => to });
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => to === 'hidden' });
        document.dispatchEvent(new Event('visibilitychange'));
      }, state);
    await setVisibility('hidden');
    const cdp = await sleeper.context.newCDPSession(sleeper.page);
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
    // The sleeper's link dies silently while the page cannot notice (a NAT that forgot it): the server's
    // side neither reads nor writes any more, and nothing tells either end.
    const session = [...quiet.app.switchboard.hub.sessions].find((s) => s.nick === 'sleeper');
    if (!session) throw new Error('the sleeper has no session');
    expect(session.transport).toBe('websocket');
    // Under the ObservedConnection is the transport's own connection: a session that began on WebSocket is
    // served directly on its TCP socket (transports/engineio/direct.ts).
    const conn = (session.conn as unknown as { inner: { raw?: Socket } }).inner;
    const tcp = conn.raw;
    expect(tcp).toBeDefined();
    tcp?.pause();
    if (tcp) tcp.write = () => true;
    for (const text of ['while you slept 1', 'while you slept 2']) await talker.say(text);
    await talker.waitForMessage('talker', 'while you slept 2');
    await cdp.send('Page.setWebLifecycleState', { state: 'active' });
    await setVisibility('visible');
    await sleeper.page.waitForFunction(
      () =>
        window.switchboard.state === 'open' &&
        [...document.querySelectorAll('#log li.msg .text')].some(
          (li) => li.textContent === 'while you slept 2',
        ),
      undefined,
      { timeout: 10_000 },
    );
    const liveness = await sleeper.page.evaluate(() => window.switchboard.diagnostics().liveness);
    expect(liveness.last).toMatchObject({ result: 'dead' });
    expect(liveness.last?.why).toBe('visible');
    tcp?.destroy();
    await sleeper.say('awake');
    await talker.waitForMessage('sleeper', 'awake');
    const texts = (await sleeper.lines()).map((l) => l.text);
    expect(texts.filter((t) => t.startsWith('while you slept'))).toEqual([
      'while you slept 1',
      'while you slept 2',
    ]);
  });
});
