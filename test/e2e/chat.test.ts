import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ChatPage, launchBrowser } from '../helpers/browser.js';
import { connectEngine } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';

// The chat page in real Chromium against a real gateway: WebSocket, no WebSocket, forced long-polling,
// and text that looks like HTML. One browser for the file; each page has its own context.

let server: TestServer;
let browser: Browser;
const pages: ChatPage[] = [];

async function open(params: Record<string, string>, initScript?: () => void): Promise<ChatPage> {
  const page = await ChatPage.open(browser, server.url, { params, ...(initScript ? { initScript } : {}) });
  pages.push(page);
  return page;
}

/** The transports the server sees for the sessions of these nicks. */
function serverTransports(...nicks: string[]): string[] {
  return [...server.app.switchboard.hub.sessions]
    .filter((s) => nicks.includes(s.nick))
    .map((s) => s.transport);
}

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('chat page in Chromium', () => {
  it('lets two pages chat over WebSocket, with the badge saying WebSocket', async () => {
    const alice = await open({ nick: 'alice', room: 'ws' });
    const bob = await open({ nick: 'bob', room: 'ws' });
    await Promise.all([alice.waitForBadge('WebSocket'), bob.waitForBadge('WebSocket')]);
    await alice.waitForMember('bob');

    await alice.say('hello bob');
    await bob.waitForMessage('alice', 'hello bob');
    await bob.say('hi alice');
    await alice.waitForMessage('bob', 'hi alice');

    expect(await alice.lines()).toEqual([
      { from: 'alice', text: 'hello bob', state: 'sent' },
      { from: 'bob', text: 'hi alice', state: 'sent' },
    ]);
    expect(alice.websockets.length).toBeGreaterThan(0);
    expect(await alice.badgeHistory()).toEqual(['connecting…', 'WebSocket']);
    expect(serverTransports('alice', 'bob')).toEqual(['websocket', 'websocket']);
    expect(await alice.page.locator('#badge').getAttribute('data-transport')).toBe('websocket');
    await alice.screenshot('websocket');
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  });

  it('falls back to long-polling without error in a browser with neither WebSocket nor EventSource, and chats with a WebSocket page', async () => {
    const legacy = await open({ nick: 'legacy', room: 'nows' }, () => {
      // The page's scripts run after this: as in a browser that never had WebSocket or EventSource.
      delete (window as { WebSocket?: unknown }).WebSocket;
      delete (window as { EventSource?: unknown }).EventSource;
    });
    const modern = await open({ nick: 'modern', room: 'nows' });
    await legacy.waitForBadge('long-polling');
    await modern.waitForBadge('WebSocket');
    await legacy.waitForMember('modern');

    await legacy.say('from a browser without WebSocket');
    await modern.waitForMessage('legacy', 'from a browser without WebSocket');
    await modern.say('received over WebSocket');
    await legacy.waitForMessage('modern', 'received over WebSocket');

    expect(legacy.websockets).toEqual([]);
    expect(legacy.errors).toEqual([]);
    expect(await legacy.page.evaluate(() => typeof window.WebSocket)).toBe('undefined');
    expect((await legacy.negotiation()).plan?.why).toBe('no-websocket');
    expect(serverTransports('legacy')).toEqual(['polling']);
    await legacy.screenshot('long-polling-no-websocket');
  });

  it('stays on long-polling for the whole session with ?transport=polling, and never upgrades', async () => {
    const polling = await open({ nick: 'poller', room: 'forced', transport: 'polling' });
    const ws = await open({ nick: 'wsuser', room: 'forced' });
    await polling.waitForBadge('long-polling');
    await ws.waitForBadge('WebSocket');
    await polling.waitForMember('wsuser');
    expect(await polling.page.locator('#force-polling').isChecked()).toBe(true);

    // A conversation over a while, both ways; the transport is checked at every step.
    for (let i = 1; i <= 5; i++) {
      await polling.say(`poll ${i}`);
      await ws.waitForMessage('poller', `poll ${i}`);
      await ws.say(`ws ${i}`);
      await polling.waitForMessage('wsuser', `ws ${i}`);
      expect(await polling.badge()).toBe('long-polling');
      expect(serverTransports('poller')).toEqual(['polling']);
    }
    expect((await polling.lines()).map((l) => l.text)).toEqual(
      [1, 2, 3, 4, 5].flatMap((i) => [`poll ${i}`, `ws ${i}`]),
    );
    // No WebSocket was ever opened by the page, so no upgrade could have happened.
    expect(polling.websockets).toEqual([]);
    expect(await polling.badgeHistory()).toEqual(['connecting…', 'long-polling']);
    expect(await polling.page.evaluate(() => window.switchboard.transport)).toBe('polling');
    await polling.screenshot('long-polling-forced');
  });

  it('switches to long-polling and back with the "Force long-polling" switch, keeping the conversation', async () => {
    const page = await open({ nick: 'switcher', room: 'switch' });
    const peer = await connectEngine(server.url, 'polling');
    await peer.hello({ nick: 'peer' });
    await peer.request({ type: 'join', room: 'switch' });
    await page.waitForBadge('WebSocket');

    await page.page.locator('#force-polling').check();
    await page.waitForBadge('long-polling');
    expect(new URL(page.page.url()).searchParams.get('transport')).toBe('polling');
    await page.say('now over polling');
    await peer.next('message', (f) => f.text === 'now over polling');

    await page.page.locator('#force-polling').uncheck();
    await page.waitForBadge('WebSocket');
    expect(new URL(page.page.url()).searchParams.get('transport')).toBeNull();
    await peer.request({ type: 'say', room: 'switch', text: 'back on WebSocket' });
    await page.waitForMessage('peer', 'back on WebSocket');
    expect((await page.lines()).map((l) => l.text)).toEqual(['now over polling', 'back on WebSocket']);
    peer.close();
  });

  it('shows a nick and a message that look like HTML as text, and runs nothing', async () => {
    const payload = '<img src=x onerror=alert(1)>';
    const mallory = await open({ room: 'xss' });
    const victim = await open({ nick: 'victim', room: 'xss' });
    await mallory.setNick(payload);
    await victim.waitForMember(payload);
    await mallory.say(payload);
    await victim.waitForMessage(payload, payload);

    for (const page of [mallory, victim]) {
      expect(await page.page.locator('img').count()).toBe(0);
      expect(page.dialogs).toEqual([]);
      expect(page.errors).toEqual([]);
    }
    expect(await victim.lines()).toEqual([{ from: payload, text: payload, state: 'sent' }]);
    expect(await victim.page.locator('#members li', { hasText: payload }).textContent()).toBe(payload);
    const notices = (await victim.allLines()).filter((line) => line.startsWith('* '));
    expect(notices.some((line) => line.endsWith(` is now known as ${payload}`))).toBe(true);
  });

  it('joins, switches and leaves rooms, counting unread messages in the rooms not shown', async () => {
    const page = await open({ nick: 'roamer', room: 'first' });
    const peer = await connectEngine(server.url, 'websocket');
    await peer.hello({ nick: 'helper' });
    await peer.request({ type: 'join', room: 'first' });
    await peer.request({ type: 'join', room: 'second' });
    await page.waitForMember('helper');

    await page.page.locator('#room').fill('second');
    await page.page.locator('#room').press('Enter');
    await page.waitForRoom('second');
    await page.say('in the second room');
    await peer.next('message', (f) => f.text === 'in the second room' && f.room === 'second');

    await peer.request({ type: 'say', room: 'first', text: 'meanwhile in first' });
    await page.page.waitForFunction(
      () => document.querySelector('.room-tab[data-room="first"]')?.textContent === 'first (1)',
    );
    await page.page.locator('.room-tab[data-room="first"]').click();
    await page.waitForRoom('first');
    expect((await page.lines()).map((l) => l.text)).toEqual(['meanwhile in first']);
    expect(await page.page.locator('.room-tab[data-room="first"]').textContent()).toBe('first');

    await page.page.getByRole('button', { name: 'Leave second' }).click();
    await page.page.waitForFunction(() => document.querySelectorAll('.room-tab').length === 1);
    await vi.waitFor(async () =>
      expect(
        await server.app.switchboard.hub.members(server.app.switchboard.hub.namespace('/'), 'second'),
      ).toEqual(['helper']),
    );
    expect(await page.page.evaluate(() => window.switchboard.rooms)).toEqual(['first']);
    peer.close();
  });

  it('is usable 360 px wide', async () => {
    const page = await ChatPage.open(browser, server.url, {
      params: { nick: 'narrow', room: 'mobile' },
      viewport: { width: 360, height: 640 },
    });
    pages.push(page);
    await page.waitForRoom('mobile');
    await page.say('fits on a phone');
    await page.waitForMessage('narrow', 'fits on a phone');
    const overflow = await page.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    for (const id of ['#text', '#send', '#nick', '#room', '#force-polling', '#badge']) {
      const box = await page.page.locator(id).boundingBox();
      expect(box, id).not.toBeNull();
      expect((box?.x ?? 0) + (box?.width ?? 0), id).toBeLessThanOrEqual(360);
    }
    await page.screenshot('websocket-360px');
  });
});
