import { describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';

// Long-polling from pages of other origins: every origin may read the answers (a refused one its 403),
// preflights are answered, and no credentials are allowed.

/** The CORS headers and status of one request to the polling handshake. */
async function cors(url: string, init: RequestInit = {}) {
  const res = await fetch(`${url}/engine.io/?EIO=4&transport=polling`, init);
  await res.text();
  const h = (name: string) => res.headers.get(name);
  return {
    status: res.status,
    origin: h('access-control-allow-origin'),
    methods: h('access-control-allow-methods'),
    headers: h('access-control-allow-headers'),
    credentials: h('access-control-allow-credentials'),
    vary: h('vary'),
  };
}

describe('engine.io long-polling CORS', () => {
  it('echoes the Origin on answers, refusals included, and never allows credentials', async () => {
    await using server = await startServer({ allowedOrigins: ['http://page.example'] });
    expect(await cors(server.url, { headers: { origin: 'http://page.example' } })).toMatchObject({
      status: 200,
      origin: 'http://page.example',
      credentials: null,
      vary: 'Origin',
    });
    // Refused by admission, and still readable by the page, so it can tell why.
    expect(await cors(server.url, { headers: { origin: 'http://other.example' } })).toMatchObject({
      status: 403,
      origin: 'http://other.example',
    });
    expect(await cors(server.url)).toMatchObject({ status: 200, origin: null, vary: 'Origin' });
  });

  it('answers a preflight with the methods and the headers asked for', async () => {
    await using server = await startServer();
    const preflight = {
      origin: 'http://page.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'x-extra,content-type',
    };
    expect(await cors(server.url, { method: 'OPTIONS', headers: preflight })).toEqual({
      status: 204,
      origin: 'http://page.example',
      methods: 'GET,POST',
      headers: 'x-extra,content-type',
      credentials: null,
      vary: 'Origin, Access-Control-Request-Headers',
    });
  });
});
