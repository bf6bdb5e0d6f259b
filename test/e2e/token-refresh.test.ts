import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../src/auth/sign.js';
import { launchBrowser } from '../helpers/browser.js';
import { connectEngine } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';

// In real Chromium: a page gives the browser client its tokens through getToken (here minted by the test
// and handed in with exposeFunction, as a page would fetch them from its backend). The client asks for a
// new one before the first expires, refreshes on the live connection, and stays connected past the expiry.

const SECRET = 'e2e-token-refresh-secret-of-32-bytes-or-more';

declare global {
  interface Window {
    mintToken: () => Promise<string>;
    tokenCalls: number;
    tokenCallTimes: number[];
    authWelcomes: { session: string; nick: string; expiresAt?: number }[];
    authClient: {
      state: string;
      say(room: string, text: string): Promise<unknown>;
      join(room: string): Promise<unknown>;
    };
  }
}

let browser: Browser;
let server: TestServer;

beforeAll(async () => {
  browser = await launchBrowser();
  server = await startServer({ authSecret: SECRET });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('token refresh in Chromium', () => {
  it("calls the page's getToken before expiry and stays connected past the first token's expiry", async () => {
    const context = await browser.newContext();
    // A bare page of the gateway's origin that loads only the client library.
    await context.route(`${server.url}/auth-page.html`, (route) =>
      route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>auth</title>' }),
    );
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.exposeFunction('mintToken', () =>
      signToken(SECRET, { sub: 'dora', nick: 'dora', exp: Math.floor(Date.now() / 1000) + 2 }),
    );
    await page.goto(`${server.url}/auth-page.html`);
    // A module script as a page would write it (a string, so the test runner does not rewrite its import).
    await page.addScriptTag({
      type: 'module',
      content: `
        import { connect } from '/build/client.js';
        window.tokenCalls = 0;
        window.tokenCallTimes = [];
        window.authWelcomes = [];
        const client = connect({
          getToken: async () => {
            window.tokenCalls++;
            window.tokenCallTimes.push(Date.now());
            return window.mintToken();
          },
        });
        client.on('welcome', (w) => window.authWelcomes.push(w));
        window.authClient = client;
      `,
    });
    await page.waitForFunction(() => window.authClient !== undefined, undefined, { timeout: 10_000 });
    await page.waitForFunction(() => window.authClient.state === 'open', undefined, { timeout: 10_000 });
    const [welcome] = await page.evaluate(() => window.authWelcomes);
    expect(welcome).toMatchObject({ nick: 'dora', expiresAt: expect.any(Number) });
    // The second call is the refresh, made while the first token is still valid.
    await page.waitForFunction(() => window.tokenCalls >= 2, undefined, { timeout: 10_000 });
    const [, refreshAt] = await page.evaluate(() => window.tokenCallTimes);
    expect(refreshAt).toBeLessThan(welcome?.expiresAt ?? 0);

    const expiry = welcome?.expiresAt ?? 0;
    await new Promise((r) => setTimeout(r, Math.max(0, expiry + 1000 - Date.now())));
    expect(await page.evaluate(() => window.authClient.state)).toBe('open');
    expect(await page.evaluate(() => window.authWelcomes.length)).toBe(1);

    // Still a working member after the first token's expiry.
    const bob = await connectEngine(server.url, 'websocket');
    await bob.hello({
      token: await signToken(SECRET, { sub: 'bob', exp: Math.floor(Date.now() / 1000) + 600 }),
    });
    await bob.request({ type: 'join', room: 'lobby' });
    await page.evaluate(async () => {
      await window.authClient.join('lobby');
      await window.authClient.say('lobby', 'after the first expiry');
    });
    expect(await bob.next('message', (f) => f.text === 'after the first expiry')).toMatchObject({
      from: 'dora',
    });
    expect(errors).toEqual([]);
    bob.close();
    await context.close();
  });
});
