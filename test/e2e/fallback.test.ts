import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ChatPage, launchBrowser } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';

// Transport fallback in real Chromium: a server that refuses WebSocket (and serves no SSE), the refusal
// lifted, the demotion expiring; and a WebSocket that opens and dies before carrying traffic (a proxy that
// kills it), after which SSE, the next in the order, carries the session.

/** Without SSE, a refused WebSocket falls straight through to long-polling. */
const NO_SSE = ['engineio', 'rawws'];

const DEMOTION_MS = 5000;
let browser: Browser;
const servers: TestServer[] = [];
const pages: ChatPage[] = [];

async function serve(overrides: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const server = await startServer(overrides);
  servers.push(server);
  return server;
}

async function open(server: TestServer, params: Record<string, string>): Promise<ChatPage> {
  const page = await ChatPage.open(browser, server.url, { params });
  pages.push(page);
  return page;
}

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  for (const server of servers) await server.close();
});

describe('transport fallback in Chromium', () => {
  it('falls back to long-polling when the server refuses WebSocket, and comes back to WebSocket after the refusal is lifted and the demotion expires', async () => {
    const refusing = await serve({ websocket: false, transports: NO_SSE });
    const params = { room: 'fallback', demotionMs: String(DEMOTION_MS) };
    const alice = await open(refusing, { ...params, nick: 'alice' });
    const bob = await open(refusing, { ...params, nick: 'bob' });

    // auto: WebSocket is tried, refused, and long-polling takes over at once; both chat.
    await Promise.all([alice.waitForBadge('long-polling'), bob.waitForBadge('long-polling')]);
    expect(alice.websockets.length).toBeGreaterThan(0);
    expect(await alice.negotiation()).toMatchObject({ mode: 'auto', failures: 1, plan: { why: 'auto' } });
    await bob.waitForMember('alice');
    await alice.say('over the fallback');
    await bob.waitForMessage('alice', 'over the fallback');
    await bob.say('received over polling');
    await alice.waitForMessage('bob', 'received over polling');
    await alice.screenshot('long-polling-fallback');

    // ?transport=websocket forces WebSocket: refused, it keeps retrying and never falls back.
    const forced = await ChatPage.open(browser, refusing.url, {
      params: { ...params, nick: 'forced', transport: 'websocket' },
      waitOpen: false,
    });
    pages.push(forced);
    await forced.page.waitForFunction(() => window.switchboard.negotiation.plan?.why === 'forced');
    await vi.waitFor(() => expect(forced.websockets.length).toBeGreaterThanOrEqual(2), { timeout: 10_000 });
    expect(forced.polls).toEqual([]);
    expect(await forced.badge()).toBe('connecting…');

    // Refused a second time in a row (the next page load): demoted, with the reason recorded.
    await alice.reload();
    await alice.waitForBadge('long-polling');
    const demoted = await alice.negotiation();
    expect(demoted.demotion?.reason).toBe('websocket refused 2 times in a row');
    expect(await alice.page.locator('#badge').getAttribute('title')).toContain('WebSocket demoted');

    // The refusal is lifted (same port, so the same origin and sessionStorage) but the demotion holds:
    // the next load goes straight to long-polling without trying WebSocket.
    await refusing.close();
    await serve({ port: refusing.port, websocket: true, transports: NO_SSE });
    alice.websockets.length = 0;
    await alice.reload();
    await alice.waitForBadge('long-polling');
    expect((await alice.negotiation()).plan?.why).toBe('demoted');
    expect(alice.websockets).toEqual([]);

    // Once the demotion expires, a new page load uses WebSocket again.
    const until = demoted.demotion?.until ?? 0;
    await alice.page.waitForFunction((t) => Date.now() >= t, until, { timeout: DEMOTION_MS + 5000 });
    await alice.reload();
    await alice.waitForBadge('WebSocket');
    expect(await alice.negotiation()).toMatchObject({
      demotion: undefined,
      failures: 0,
      plan: { why: 'auto' },
    });
    expect(alice.websockets.length).toBeGreaterThan(0);
    await alice.say('back on WebSocket');
    await bob.waitForMessage('alice', 'back on WebSocket');
    // The forced page got through by itself once WebSocket was accepted, without ever polling.
    await forced.waitForBadge('WebSocket');
    await forced.waitForMessage('alice', 'back on WebSocket');
    expect(forced.polls).toEqual([]);
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  });

  it('demotes at once when a WebSocket opens and dies before carrying traffic, and chats over SSE', async () => {
    const server = await serve({});
    const page = await ChatPage.open(browser, server.url, {
      params: { nick: 'carol', room: 'killer' },
      // A proxy that lets the WebSocket open (the engine.io handshake gets through) and kills it as soon
      // as the page sends its first frame, the hello: no welcome ever comes back.
      prepare: (context) =>
        context.routeWebSocket(/\/engine\.io\//, (ws) => {
          const upstream = ws.connectToServer();
          ws.onMessage(() => {
            void ws.close();
            void upstream.close();
          });
        }),
    });
    pages.push(page);
    const info = await page.negotiation();
    expect(info.demotion?.reason).toBe('websocket closed before carrying traffic');
    expect(info.failures).toBe(1);
    expect(page.websockets.length).toBe(1);
    // The session counted as open only after hello/welcome: the badge never claimed WebSocket.
    expect(await page.badgeHistory()).toEqual(['connecting…', 'SSE']);
    await page.say('through the proxy');
    await page.waitForMessage('carol', 'through the proxy');

    // The next load goes straight to SSE: the broken WebSocket is not tried again.
    await page.reload();
    expect(await page.badgeHistory()).toEqual(['connecting…', 'SSE']);
    expect(page.websockets.length).toBe(1);
    expect(page.errors).toEqual([]);
  });
});
