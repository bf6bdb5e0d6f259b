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

  it('is chatting again within 2 s of waking from a freeze during which its connection died, with nothing lost', async () => {
    const sleeper = await open({ nick: 'sleeper', room: 'freeze' });
    const talker = await open({ nick: 'talker', room: 'freeze' });
    await sleeper.waitForMember('talker');
    const cdp = await sleeper.context.newCDPSession(sleeper.page);
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
    // Cut the server's side of the sleeper's WebSocket while the page cannot notice.
    const session = [...server.app.switchboard.hub.sessions].find((s) => s.nick === 'sleeper');
    expect(session?.transport).toBe('websocket');
    // The engine.io connection, behind the ObservedConnection that counts its frames for /metrics.
    const observed = session?.conn as unknown as { inner: unknown };
    const conn = observed.inner as { socket: { transport: { socket?: { _socket?: Socket } } } };
    const tcp = conn.socket.transport.socket?._socket;
    expect(tcp).toBeDefined();
    tcp?.destroy();
    for (const text of ['while you slept 1', 'while you slept 2']) await talker.say(text);
    await talker.waitForMessage('talker', 'while you slept 2');
    await cdp.send('Page.setWebLifecycleState', { state: 'active' });
    await sleeper.page.waitForFunction(
      () =>
        window.switchboard.state === 'open' &&
        [...document.querySelectorAll('#log li.msg .text')].some(
          (li) => li.textContent === 'while you slept 2',
        ),
      undefined,
      { timeout: 2000 },
    );
    await sleeper.say('awake');
    await talker.waitForMessage('sleeper', 'awake');
    const texts = (await sleeper.lines()).map((l) => l.text);
    expect(texts.filter((t) => t.startsWith('while you slept'))).toEqual([
      'while you slept 1',
      'while you slept 2',
    ]);
  });
});
