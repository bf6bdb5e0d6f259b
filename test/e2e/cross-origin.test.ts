import { readFile } from 'node:fs/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.js';
import { connectEngine } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';

// A page served by another app on another port (another origin) that loads the client bundle and dials
// the gateway: with its origin in ALLOWED_ORIGINS it chats over forced long-polling, WebSocket and SSE;
// without, the client tells it `forbidden_origin` instead of staying at `connecting`.

const PAGE = `<!doctype html><meta charset="utf-8"><title>elsewhere</title>
<script type="module">
  import { connect } from '/client.js';
  const params = new URLSearchParams(location.search);
  window.log = [];
  const client = connect({ url: params.get('gw'), nick: params.get('nick'), transport: params.get('transport'), query: false });
  client.on('state', (s) => window.log.push('state:' + s));
  client.on('error', (e) => window.log.push('error:' + e.code));
  client.on('message', (m) => window.log.push('message:' + m.from + ':' + m.text));
  window.client = client;
</script>`;

declare global {
  interface Window {
    log: string[];
    client: {
      state: string;
      transport: string;
      join(room: string): Promise<unknown>;
      say(room: string, text: string): Promise<unknown>;
    };
  }
}

/** Another app: the page above and the client bundle, on its own port. */
async function pageServer(): Promise<{ app: FastifyInstance; url: string }> {
  const bundle = await readFile('web/public/build/client.js', 'utf8');
  const app = Fastify();
  app.get('/', (_request, reply) => reply.type('text/html').send(PAGE));
  app.get('/client.js', (_request, reply) => reply.type('text/javascript').send(bundle));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` };
}

let gateway: TestServer;
let allowed: { app: FastifyInstance; url: string };
let refused: { app: FastifyInstance; url: string };
let browser: Browser;
const pages: Page[] = [];

async function open(base: string, nick: string, transport: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  pages.push(page);
  const query = new URLSearchParams({ gw: gateway.url, nick, transport });
  await page.goto(`${base}/?${query}`);
  return page;
}

beforeAll(async () => {
  [allowed, refused, browser] = await Promise.all([pageServer(), pageServer(), launchBrowser()]);
  gateway = await startServer({ allowedOrigins: [allowed.url] });
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([gateway?.close(), allowed?.app.close(), refused?.app.close()]);
});

describe('a page on another origin', () => {
  for (const transport of ['polling', 'websocket', 'sse'] as const) {
    it(`chats over ${transport} when its origin is allowed`, async () => {
      const listener = await connectEngine(gateway.url, 'websocket');
      await listener.hello({ nick: `ear-${transport}` });
      await listener.request({ type: 'join', room: `x-${transport}` });
      const page = await open(allowed.url, `far-${transport}`, transport);
      await page.waitForFunction(() => window.client?.state === 'open', undefined, { timeout: 10_000 });
      expect(await page.evaluate(() => window.client.transport)).toBe(transport);
      await page.evaluate((room) => window.client.join(room).then(() => undefined), `x-${transport}`);
      await page.evaluate(
        (room) => window.client.say(room, 'from afar').then(() => undefined),
        `x-${transport}`,
      );
      expect(await listener.next('message')).toMatchObject({ from: `far-${transport}`, text: 'from afar' });
      await page.waitForFunction(
        (nick) => window.log.includes(`message:${nick}:from afar`),
        `far-${transport}`,
        { timeout: 10_000 },
      );
      listener.close();
    });

    it(`is told forbidden_origin over ${transport} when its origin is not allowed`, async () => {
      const page = await open(refused.url, `nope-${transport}`, transport);
      await page.waitForFunction(() => window.log?.includes('error:forbidden_origin'), undefined, {
        timeout: 10_000,
      });
      expect(await page.evaluate(() => window.log)).not.toContain('state:open');
    });
  }
});
