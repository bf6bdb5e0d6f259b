import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.js';
import { connectEngine } from '../helpers/client.js';
import { startServer } from '../helpers/server.js';

const DOCUMENTED_URL = 'ws://127.0.0.1:3000/ws';

/** The browser snippet exactly as docs/transports.md shows it. */
function documentedSnippet(): string {
  const doc = readFileSync('docs/transports.md', 'utf8');
  const match = /<!-- snippet:rawws-browser -->\n```html\n([\s\S]*?)\n```/.exec(doc);
  if (!match?.[1]) throw new Error('docs/transports.md has no rawws-browser snippet');
  return match[1];
}

/** Serves one page on 127.0.0.1 (an http origin, as a real page has); `await using` stops it. */
async function servePage(html: string) {
  const http = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><meta charset="utf-8"><title>rawws</title><body>${html}</body>`);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}

describe('the documented raw WebSocket browser snippet, in Chromium', () => {
  it('chats with an engine.io client using only new WebSocket and the JSON frames', async () => {
    await using server = await startServer();
    const snippet = documentedSnippet();
    expect(snippet.split(DOCUMENTED_URL)).toHaveLength(2);
    await using page = await servePage(snippet.replace(DOCUMENTED_URL, `ws://127.0.0.1:${server.port}/ws`));
    const bob = await connectEngine(server.url, 'websocket');
    await bob.hello({ nick: 'bob' });
    await bob.request({ type: 'join', room: 'lobby' });

    const browser = await launchBrowser();
    try {
      const tab = await browser.newPage();
      await tab.goto(page.url);
      expect(await bob.next('presence', (p) => p.event === 'join')).toMatchObject({
        nick: 'browser',
        members: 2,
      });
      await bob.request({ type: 'say', room: 'lobby', text: 'hello browser' });
      await tab.locator('#log').getByText('[lobby] bob: hello browser').waitFor();

      await tab.locator('#text').fill('hi bob, from a bare WebSocket');
      await tab.locator('#text').press('Enter');
      expect(await bob.next('message', (m) => m.from === 'browser')).toMatchObject({
        room: 'lobby',
        text: 'hi bob, from a bare WebSocket',
      });
      await tab.locator('#log').getByText('[lobby] browser: hi bob, from a bare WebSocket').waitFor();
      expect(await tab.locator('#text').inputValue()).toBe('');

      // What others send is shown as text: markup in a message creates no element.
      await bob.request({ type: 'say', room: 'lobby', text: '<img src=x onerror="document.title=1">' });
      await tab.locator('#log').getByText('<img src=x').waitFor();
      expect(await tab.locator('#log img').count()).toBe(0);
      expect(await tab.title()).toBe('rawws');
      const session = [...server.app.switchboard.hub.sessions].find((s) => s.nick === 'browser');
      expect(session?.transport).toBe('rawws');
    } finally {
      await browser.close();
      bob.close();
    }
  });
});
