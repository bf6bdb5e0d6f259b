import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatPage, launchBrowser } from '../helpers/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';

// What the chat page tells the person: a taken nick, their own rename, their own messages, bot posts,
// dates of older messages; and the rooms it remembers across a reload.

const TOKEN = 'page-test-token';
let server: TestServer;
let browser: Browser;
const pages: ChatPage[] = [];

async function open(params: Record<string, string>, initScript?: () => void): Promise<ChatPage> {
  const page = await ChatPage.open(browser, server.url, { params, ...(initScript ? { initScript } : {}) });
  pages.push(page);
  return page;
}

/** The notices of the room shown. */
function notices(page: ChatPage): Promise<string[]> {
  return page.page.evaluate(() =>
    [...document.querySelectorAll('#log li.notice')].map((li) => li.textContent ?? ''),
  );
}

async function waitForNotice(page: ChatPage, text: string): Promise<void> {
  await page.page.waitForFunction(
    (t) => [...document.querySelectorAll('#log li.notice')].some((li) => li.textContent === t),
    text,
    { timeout: 10_000 },
  );
}

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer({ apiToken: TOKEN }), launchBrowser()]);
});

afterAll(async () => {
  await Promise.all(pages.map((p) => p.close().catch(() => undefined)));
  await browser?.close();
  await server?.close();
});

describe('the chat page tells the person', () => {
  it('that a nick was taken, at load and on rename, and shows their own rename', async () => {
    await open({ nick: 'bob', room: 'names' });
    const late = await open({ nick: 'bob', room: 'names' });
    await late.waitForRoom('names');
    await waitForNotice(late, 'The nick bob is taken: you asked for bob and got bob-2.');

    const other = await open({ nick: 'carl', room: 'names' });
    await other.waitForRoom('names');
    await other.page.locator('#nick').fill('bob');
    await other.page.locator('#nick').press('Enter');
    await waitForNotice(other, 'The nick bob is taken: you asked for bob and got bob-3.');
    await waitForNotice(other, 'You are now known as bob-3');
    await other.setNick('carla');
    await waitForNotice(other, 'You are now known as carla');
  });

  it('which messages are their own, and which were posted by a bot', async () => {
    const alice = await open({ nick: 'alice', room: 'mine' });
    const bob = await open({ nick: 'bobby', room: 'mine' });
    await alice.waitForMember('bobby');
    await alice.say('mine');
    await bob.waitForMessage('alice', 'mine');
    await bob.say('yours');
    await alice.waitForMessage('bobby', 'yours');
    const res = await fetch(`${server.url}/api/rooms/mine/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ from: 'carol', text: 'deployed' }),
    });
    expect(res.status).toBe(201);
    await alice.waitForMessage('carol', 'deployed');
    const classes = await alice.page.evaluate(() =>
      [...document.querySelectorAll<HTMLLIElement>('#log li.msg')].map((li) => ({
        text: li.querySelector('.text')?.textContent,
        mine: li.classList.contains('mine'),
        tag: li.querySelector('.tag')?.textContent ?? null,
      })),
    );
    expect(classes).toEqual([
      { text: 'mine', mine: true, tag: null },
      { text: 'yours', mine: false, tag: null },
      { text: 'deployed', mine: false, tag: 'bot' },
    ]);
  });

  it('the date of a message that is not from today, and only the time of one that is', async () => {
    const today = await open({ nick: 'dora', room: 'dates' });
    await today.say('now');
    await today.waitForMessage('dora', 'now');
    // The page's clock three days ahead: the same message is then from another day.
    const later = await open({ nick: 'eve', room: 'dates' }, () => {
      const real = Date.now.bind(Date);
      Date.now = () => real() + 3 * 86_400_000;
    });
    await later.waitForMessage('dora', 'now');
    const stamp = (page: ChatPage) => page.page.locator('#log li.msg time').first().textContent();
    const year = String(new Date().getFullYear());
    expect(await stamp(today)).not.toContain(year);
    expect(await stamp(later)).toContain(year);
  });

  it('the rooms it was in, after a reload', async () => {
    const page = await open({ nick: 'fay' });
    await page.waitForRoom('lobby');
    for (const room of ['alpha', 'beta']) {
      await page.page.locator('#room').fill(room);
      await page.page.locator('#room').press('Enter');
      await page.waitForRoom(room);
    }
    await page.page.locator('.leave[aria-label="Leave alpha"]').click();
    const tabs = () =>
      page.page.evaluate(() =>
        [...document.querySelectorAll('.room-tab')].map((b) => b.getAttribute('data-room')),
      );
    await page.page.waitForFunction(() => document.querySelectorAll('.room-tab').length === 2);
    await page.goto(server.url, { nick: 'fay' });
    await page.page.waitForFunction(() => document.querySelectorAll('.room-tab').length === 2, undefined, {
      timeout: 10_000,
    });
    expect((await tabs()).sort()).toEqual(['beta', 'lobby']);
    const members = await server.app.switchboard.hub.rooms('/');
    expect(members.filter((r) => r.room === 'beta' && r.members > 0)).toHaveLength(1);
    expect(await notices(page)).not.toContain('Error');
  });
});
