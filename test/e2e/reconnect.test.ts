import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatPage, launchBrowser } from '../helpers/browser.js';
import { connectEngine, type TestClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';

// A server restart mid-conversation, in real Chromium: the page shows it is reconnecting, keeps what the
// person types, comes back on the same port, and shows what was said meanwhile exactly once and in order.

let browser: Browser;
const servers: TestServer[] = [];
const clients: TestClient[] = [];

async function peer(server: TestServer, nick: string, room: string): Promise<TestClient> {
  const client = await connectEngine(server.url, 'websocket');
  clients.push(client);
  await client.hello({ nick });
  await client.request({ type: 'join', room });
  return client;
}

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const client of clients) client.close();
  await browser?.close();
  for (const server of servers) await server.close();
});

describe('reconnect and resume in Chromium', () => {
  it('survives a server restart: reconnecting, then the messages sent meanwhile once and in order, and the message typed while down delivered once', async () => {
    const first = await startServer();
    servers.push(first);
    const page = await ChatPage.open(browser, first.url, { params: { nick: 'alice', room: 'restart' } });
    const bob = await peer(first, 'bob', 'restart');
    await page.waitForMember('bob');
    await page.say('before the restart');
    await bob.next('message', (f) => f.text === 'before the restart');
    await bob.request({ type: 'say', room: 'restart', text: 'bob before the restart' });
    await page.waitForMessage('bob', 'bob before the restart');
    const sessionBefore = await page.page.evaluate(() => window.switchboard.session);

    // The server goes away: the page says it is reconnecting, and keeps what is typed as pending.
    await first.close();
    await page.waitForBadge('reconnecting…');
    await page.say('typed while the server was down');
    await page.page.waitForFunction(
      () =>
        document.querySelector('#log li.pending .text')?.textContent === 'typed while the server was down',
    );
    expect(await page.page.locator('#log li.pending .status').textContent()).toBe(
      'waiting for the connection…',
    );
    await page.screenshot('reconnecting');

    // The page is held offline while the new server (same port, fresh history) gets messages.
    await page.context.setOffline(true);
    await page.waitForBadge('offline');
    const second = await startServer({ port: first.port });
    servers.push(second);
    const bob2 = await peer(second, 'bob', 'restart');
    for (const text of ['meanwhile 1', 'meanwhile 2', 'meanwhile 3']) {
      await bob2.request({ type: 'say', room: 'restart', text });
    }

    // Back online: it reconnects by itself, resumes the session, replays, then sends the pending message.
    await page.context.setOffline(false);
    await page.waitForBadge('WebSocket');
    await page.waitForMessage('alice', 'typed while the server was down');
    await page.say('after the restart');
    await bob2.next('message', (f) => f.text === 'after the restart');

    const lines = await page.allLines();
    const gap = lines.indexOf(
      '* The server started a new history for this room: earlier messages may be missing.',
    );
    expect(gap).toBeGreaterThan(0);
    expect(lines.slice(0, gap).filter((l) => !l.startsWith('* '))).toEqual([
      'alice: before the restart',
      'bob: bob before the restart',
    ]);
    expect(lines.slice(gap + 1).filter((l) => !l.startsWith('* '))).toEqual([
      'bob: meanwhile 1',
      'bob: meanwhile 2',
      'bob: meanwhile 3',
      'alice: typed while the server was down',
      'alice: after the restart',
    ]);
    // bob can see the last message before the page has handled its ack: wait for the page to mark it sent.
    await expect.poll(async () => (await page.lines()).every((l) => l.state === 'sent')).toBe(true);
    // Delivered once to the others too (bob sees his own as well), and stored once.
    expect(bob2.messages('restart').map((m) => m.text)).toEqual([
      'meanwhile 1',
      'meanwhile 2',
      'meanwhile 3',
      'typed while the server was down',
      'after the restart',
    ]);
    const stored = await fetch(`${second.url}/api/rooms/restart/messages`).then((r) => r.json());
    expect((stored as { messages: { text: string }[] }).messages.map((m) => m.text)).toEqual([
      'meanwhile 1',
      'meanwhile 2',
      'meanwhile 3',
      'typed while the server was down',
      'after the restart',
    ]);
    // The session id survived the restart (resume), which is what makes a resend recognisable.
    expect(await page.page.evaluate(() => window.switchboard.session)).toBe(sessionBefore);
    expect(await page.badgeHistory()).toEqual([
      'connecting…',
      'WebSocket',
      'reconnecting…',
      'offline',
      'reconnecting…',
      'WebSocket',
    ]);
    expect(page.errors).toEqual([]);
    await page.close();
  });
});
