import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatPage, launchBrowser } from '../helpers/browser.js';
import { connectRawWs, type TestClient } from '../helpers/client.js';
import { runHaproxy, type TestHaproxy } from '../helpers/haproxy.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { type SilentUpgrade, startSilentUpgrade } from '../helpers/silent-upgrade.js';

// A real haproxy in front of one gateway, configured as the proxies that break realtime traffic: one that
// refuses the WebSocket upgrade, one whose upgraded WebSocket carries nothing, and one that buffers every
// response (streaming broken). A Chromium page goes through it, lands on the transport the order
// WebSocket → SSE → long-polling gives there, chats with a client connected straight to the gateway, and
// its /diagnostics page (reached by the chat page's own link) says why.

/** How long the page gives WebSocket and SSE before the next transport (the page's ?timeoutMs=). */
const STEP_MS = '4000';
const WAIT_MS = 20_000;

let server: TestServer;
let browser: Browser;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  for (const stop of stops.reverse()) await stop();
  await server?.close();
});

/** What each scenario adds to the frontend; the gateway is always the `app` backend. */
interface ProxyShape {
  frontend: string[];
  backends?: string[];
}

/** haproxy in HTTP mode with the given rules; its timeouts outlast the gateway's heartbeats. */
async function proxy(shape: ProxyShape): Promise<TestHaproxy> {
  const lb = await runHaproxy((port) =>
    [
      'global',
      '  maxconn 1024',
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 60s',
      '  timeout server 60s',
      '  timeout tunnel 1h',
      'frontend edge',
      `  bind 127.0.0.1:${port}`,
      ...shape.frontend.map((line) => `  ${line}`),
      '  default_backend app',
      'backend app',
      `  server gateway 127.0.0.1:${server.port}`,
      ...(shape.backends ?? []),
      '',
    ].join('\n'),
  );
  stops.push(lb.stop);
  return lb;
}

/** A client connected to the gateway directly, in `room`. */
async function direct(room: string): Promise<TestClient> {
  const client = await connectRawWs(server.url);
  stops.push(async () => client.close());
  await client.hello({ nick: `direct-${room}` });
  await client.request({ type: 'join', room });
  return client;
}

/** A message round trip between the page behind the proxy and the direct client. */
async function chat(page: ChatPage, other: TestClient, room: string): Promise<void> {
  await page.waitForRoom(room);
  await page.say(`from behind the proxy in ${room}`);
  await other.waitFor(
    (f) => f.type === 'message' && f.room === room && f.text === `from behind the proxy in ${room}`,
    'the page’s message',
    WAIT_MS,
  );
  await other.request({ type: 'say', room, text: `to the page in ${room}` });
  await page.waitForMessage(`direct-${room}`, `to the page in ${room}`);
}

/** The chat page's attempts, as [transport, result, code]. */
async function attempts(page: Page): Promise<[string, string, string | undefined][]> {
  const d = await page.evaluate(() => window.switchboard.diagnostics());
  return d.attempts.map((a) => [a.transport, a.result, a.code]);
}

/** What /diagnostics shows: its table rows and its summary, read from the DOM once it has a transport. */
async function diagnosticsPage(page: Page, badge: string) {
  await page.locator('#diagnostics-link').click();
  await page.waitForURL(/\/diagnostics\//, { timeout: WAIT_MS });
  await page.waitForFunction(
    (b) =>
      document.getElementById('badge')?.textContent === b && document.querySelector('tr[data-result="ok"]'),
    badge,
    { timeout: WAIT_MS },
  );
  return page.evaluate(() => ({
    rows: [...document.querySelectorAll<HTMLTableRowElement>('#attempts tbody tr')].map((tr) => ({
      transport: tr.dataset.transport,
      result: tr.dataset.result,
      code: tr.dataset.code,
      reason: tr.cells[2]?.textContent ?? '',
    })),
    summary: Object.fromEntries(
      [...document.querySelectorAll<HTMLElement>('#summary dd')].map((dd) => [
        dd.dataset.field,
        dd.textContent,
      ]),
    ),
  }));
}

async function open(lb: TestHaproxy, room: string): Promise<ChatPage> {
  const page = await ChatPage.open(browser, lb.url, {
    params: { nick: `behind-${room}`, room, timeoutMs: STEP_MS },
  });
  stops.push(() => page.close());
  return page;
}

describe('through a real haproxy', () => {
  it('lands on SSE when the proxy refuses the WebSocket upgrade, and /diagnostics says it was refused', async () => {
    const lb = await proxy({
      frontend: ['http-request deny deny_status 403 if { hdr(upgrade) -i websocket }'],
    });
    const other = await direct('refused');
    const page = await open(lb, 'refused');
    await page.waitForBadge('SSE');
    await chat(page, other, 'refused');
    expect(await attempts(page.page)).toEqual([
      ['websocket', 'failed', 'refused'],
      ['sse', 'ok', undefined],
    ]);
    // One refusal is not yet a demotion (a network blip looks the same); the diagnostics page tries again.
    expect((await page.negotiation()).failures).toBe(1);
    const shown = await diagnosticsPage(page.page, 'SSE');
    expect(shown.rows.map((r) => [r.transport, r.result, r.code, r.reason])).toEqual([
      ['websocket', 'failed', 'refused', 'refused'],
      ['sse', 'ok', '', ''],
    ]);
    // The second refusal in a row demotes WebSocket, and the summary names why.
    expect(shown.summary['WebSocket demotion']).toBe('websocket refused 2 times in a row');
    expect(shown.summary.transport).toBe('sse');
    expect(page.errors).toEqual([]);
  }, 60_000);

  it('demotes WebSocket and lands on SSE when the proxy passes the upgrade but never forwards a frame', async () => {
    // haproxy 2.6 can neither answer a 101 itself (`http-request return` takes 200 to 599) nor drop bytes
    // of a tunnel once upgraded, so it routes upgrades to a relay that passes the handshake and then
    // forwards nothing: the browser's WebSocket opens and stays silent.
    const relay: SilentUpgrade = await startSilentUpgrade(server.port);
    stops.push(relay.stop);
    const lb = await proxy({
      frontend: ['use_backend silent if { hdr(upgrade) -i websocket }'],
      backends: ['backend silent', `  server relay 127.0.0.1:${relay.port}`],
    });
    const other = await direct('silent');
    const page = await open(lb, 'silent');
    await page.waitForBadge('SSE');
    await chat(page, other, 'silent');
    expect(relay.connections).toBe(1);
    expect(await attempts(page.page)).toEqual([
      ['websocket', 'failed', 'silent'],
      ['sse', 'ok', undefined],
    ]);
    expect((await page.negotiation()).demotion?.reason).toBe(
      'websocket opened, then stayed silent (demoted after a silent round trip)',
    );
    // The demotion holds on /diagnostics (same tab): WebSocket is not tried again, and it says why.
    const shown = await diagnosticsPage(page.page, 'SSE');
    expect(shown.rows.map((r) => [r.transport, r.result, r.code])).toEqual([
      ['websocket', 'skipped', 'demoted'],
      ['sse', 'ok', ''],
    ]);
    expect(shown.summary['WebSocket demotion']).toBe(
      'websocket opened, then stayed silent (demoted after a silent round trip)',
    );
    expect(relay.connections).toBe(1);
    expect(page.errors).toEqual([]);
  }, 60_000);

  it('lands on long-polling when the proxy refuses upgrades and buffers every response, the stream timing out', async () => {
    // Held until the whole body is in (or 60 s): an event stream, which never ends, is not seen in time.
    const lb = await proxy({
      frontend: [
        'http-request deny deny_status 403 if { hdr(upgrade) -i websocket }',
        'http-response wait-for-body time 60s',
      ],
    });
    const other = await direct('buffered');
    const page = await open(lb, 'buffered');
    await page.waitForBadge('long-polling');
    await chat(page, other, 'buffered');
    expect(await attempts(page.page)).toEqual([
      ['websocket', 'failed', 'refused'],
      ['sse', 'failed', 'timeout'],
      ['polling', 'ok', undefined],
    ]);
    expect((await page.negotiation()).sse.demotion?.reason).toBe('sse timed out before carrying traffic');
    const shown = await diagnosticsPage(page.page, 'long-polling');
    expect(shown.rows.map((r) => [r.transport, r.result, r.code])).toEqual([
      ['sse', 'skipped', 'demoted'],
      ['websocket', 'failed', 'refused'],
      ['polling', 'ok', ''],
    ]);
    expect(shown.summary['SSE demotion']).toBe('sse timed out before carrying traffic');
    expect(shown.summary['WebSocket demotion']).toBe('websocket refused 2 times in a row');
    expect(page.errors).toEqual([]);
  }, 90_000);
});
