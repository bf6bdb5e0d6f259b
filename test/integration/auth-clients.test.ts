import { afterEach, describe, expect, it, vi } from 'vitest';
import { signToken } from '../../src/auth/sign.js';
import { connect as connectNode } from '../../src/client/node-client.js';
import { MemoryStore } from '../../web/client/demotion.js';
import { connect, type SwitchboardClient, type WelcomeFrame } from '../../web/client/index.js';
import { startServer, type TestServer } from '../helpers/server.js';

// Both clients' getToken against a real server with AUTH_SECRET and real tokens.

const SECRET = 'client-tests-secret-of-32-bytes-or-more';
const tokenFor = (sub: string, expInSec: number) =>
  signToken(SECRET, { sub, nick: sub, exp: Math.floor(Date.now() / 1000) + expInSec });

const servers: TestServer[] = [];
const closers: (() => void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) close();
  for (const s of servers.splice(0)) await s.close();
});

async function serve(): Promise<TestServer> {
  const server = await startServer({ authSecret: SECRET });
  servers.push(server);
  return server;
}

/** Waits on the real clock until `at` (ms) has passed: expiry is what is under test. */
const until = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));

function webClient(server: TestServer, getToken: () => Promise<string>): SwitchboardClient {
  const c = connect({
    url: server.url,
    hasWebSocket: true,
    storage: new MemoryStore(),
    query: false,
    getToken,
    backoff: { initialMs: 20, maxMs: 100 },
  });
  closers.push(() => c.close());
  return c;
}

describe('web client getToken', () => {
  it('fetches the first token, refreshes before expiry, and stays on one connection past it', async () => {
    const server = await serve();
    const getToken = vi.fn(() => tokenFor('ann', 2));
    const c = webClient(server, getToken);
    const welcomes: WelcomeFrame[] = [];
    c.on('welcome', (w) => welcomes.push(w));
    await vi.waitFor(() => expect(c.state).toBe('open'), { timeout: 5000 });
    expect(welcomes[0]).toMatchObject({ nick: 'ann', expiresAt: expect.any(Number) });
    await vi.waitFor(() => expect(getToken.mock.calls.length).toBeGreaterThanOrEqual(2), { timeout: 5000 });
    await until((welcomes[0]?.expiresAt ?? 0) + 1000);
    expect(c.state).toBe('open');
    expect(welcomes).toHaveLength(1);
    await c.join('lobby');
  });

  it('after bye token_expired asks for a token and reconnects into the same session', async () => {
    const server = await serve();
    let pageCanRefresh = false;
    let calls = 0;
    const getToken = async () => {
      calls++;
      if (calls === 1) return tokenFor('bob', 1);
      if (!pageCanRefresh) throw new Error('the page is offline');
      return tokenFor('bob', 600);
    };
    const c = webClient(server, getToken);
    const welcomes: WelcomeFrame[] = [];
    const byes: string[] = [];
    c.on('welcome', (w) => welcomes.push(w));
    c.on('bye', (b) => {
      byes.push(b.code);
      pageCanRefresh = true;
    });
    c.on('error', () => undefined);
    await vi.waitFor(() => expect(welcomes).toHaveLength(2), { timeout: 10_000 });
    expect(byes).toEqual(['token_expired']);
    expect(welcomes[1]?.session).toBe(welcomes[0]?.session);
    await vi.waitFor(() => expect(c.state).toBe('open'));
  });
});

describe('Node client getToken', () => {
  it('fetches the first token and refreshes on the live connection past the first expiry', async () => {
    const server = await serve();
    const getToken = vi.fn(() => tokenFor('cat', 2));
    const client = connectNode(`ws://127.0.0.1:${server.port}/ws`, {
      getToken,
      backoff: { initialMs: 20, maxMs: 100 },
    });
    closers.push(() => client.close());
    const seen: WelcomeFrame[] = [];
    client.on('welcome', (w) => seen.push(w));
    const welcomes = () => seen;
    await client.opened();
    expect(client.nick).toBe('cat');
    const first = welcomes()[0]?.expiresAt as number;
    await vi.waitFor(() => expect(getToken.mock.calls.length).toBeGreaterThanOrEqual(2), { timeout: 5000 });
    await until(first + 1000);
    expect(client.state).toBe('open');
    expect(welcomes()).toHaveLength(1);
  });
});
