import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchBrowser } from '../helpers/browser.js';
import {
  type ClientDriver,
  clientSuite,
  type DrivenClient,
  type Outcome,
  type SuiteOptions,
} from './suite.js';

// The browser client as a page uses it: the bundle the gateway serves (/build/client.js), imported in
// Chromium and driven through page.evaluate. Every call crosses as JSON.

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

interface PageClient {
  client: Record<string, unknown> & { on(name: string, fn: (payload: unknown) => void): () => void };
  seen: Record<string, unknown[]>;
}

declare global {
  interface Window {
    /** The client under test and what it told. */
    __suite: PageClient;
    /** The bundle's connect, once its module ran. */
    __connect: unknown;
  }
}

const EVENTS = ['state', 'message', 'members', 'presence', 'gap', 'resumed', 'nick', 'outgoing'];

/** Drives the browser client in a fresh page of Chromium, forced onto one transport. */
function browserDriver(transport: 'websocket' | 'sse' | 'polling') {
  return (): ClientDriver => {
    const pages: Page[] = [];
    return {
      async open(server, options: SuiteOptions): Promise<DrivenClient> {
        const page = await browser.newPage();
        pages.push(page);
        // A page of the gateway's origin that runs no client of its own.
        await page.goto(`${server.url}/healthz`);
        // A module script, not an import() in evaluate (which the test runner would rewrite).
        await page.addScriptTag({
          type: 'module',
          content: "import { connect } from '/build/client.js'; window.__connect = connect;",
        });
        await page.waitForFunction(() => typeof window.__connect === 'function');
        await page.evaluate(
          ({ options, transport, events }) => {
            const connect = window.__connect as (o: object) => PageClient['client'];
            const seen: Record<string, unknown[]> = {};
            const client = connect({ ...options, url: location.origin, transport, query: false });
            for (const name of events) {
              const list: unknown[] = [];
              seen[name] = list;
              // Payloads are copied as JSON, as the suite reads them (ClientError keeps code and message).
              client.on(name, (payload) => list.push(JSON.parse(JSON.stringify(payload ?? null))));
            }
            window.__suite = { client, seen };
          },
          { options, transport, events: EVENTS },
        );
        return {
          call: (method, ...args) =>
            page.evaluate(
              async ({ method, args }): Promise<Outcome> => {
                const { client } = window.__suite;
                const revived = args.map((a) =>
                  typeof a === 'object' && a !== null && '$bytes' in a
                    ? new Uint8Array((a as { $bytes: number[] }).$bytes)
                    : a,
                );
                try {
                  const fn = client[method] as (...a: unknown[]) => unknown;
                  const value = await fn.apply(client, revived);
                  return {
                    ok: true,
                    value: value === undefined ? undefined : JSON.parse(JSON.stringify(value)),
                  };
                } catch (error) {
                  const { code, message } = error as { code: string; message: string };
                  return { ok: false, error: { code, message } };
                }
              },
              { method, args },
            ),
          get: (property) => page.evaluate((p) => window.__suite.client[p], property),
          events: (name) => page.evaluate((n) => window.__suite.seen[n] ?? [], name),
        };
      },
      async cleanup() {
        for (const page of pages) await page.close();
      },
    };
  };
}

clientSuite('browser (Chromium) over WebSocket', browserDriver('websocket'));
clientSuite('browser (Chromium) over SSE', browserDriver('sse'));
clientSuite('browser (Chromium) over long-polling', browserDriver('polling'));
