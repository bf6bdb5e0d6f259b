import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier, signToken, tokenFromHandshake } from '../../src/auth/index.js';
import type { AuthRequest, Handshake } from '../../src/ports/admission.js';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const nowSec = NOW / 1000;

function handshake(headers: Handshake['headers'] = {}, query: Handshake['query'] = {}): Handshake {
  return { transport: 'rawws', remoteAddress: '127.0.0.1', headers, query };
}

function request(token: string | undefined, hs: Handshake | undefined = undefined): AuthRequest {
  return { handshake: hs, token, ns: '/', nick: undefined };
}

describe('createTokenVerifier', () => {
  let now = NOW;
  const verify = createTokenVerifier({ secret: SECRET, clock: () => now });

  it('maps a valid token to an identity', async () => {
    const token = await signToken(SECRET, {
      sub: 'u1',
      nick: 'alice',
      rooms: ['lobby', 'ops'],
      exp: nowSec + 60,
    });
    expect(await verify(request(token))).toEqual({
      ok: true,
      identity: { subject: 'u1', nick: 'alice', rooms: ['lobby', 'ops'], expiresAt: NOW + 60_000 },
    });
  });

  it('leaves out what the token does not say', async () => {
    const token = await signToken(SECRET, { sub: 'u2' });
    expect(await verify(request(token))).toEqual({ ok: true, identity: { subject: 'u2' } });
  });

  it('answers token_expired once the clock passes exp', async () => {
    const token = await signToken(SECRET, { sub: 'u1', exp: nowSec + 60 });
    now = NOW + 61_000;
    try {
      expect(await verify(request(token))).toMatchObject({ ok: false, code: 'token_expired' });
    } finally {
      now = NOW;
    }
  });

  it('refuses a missing token, another secret, a tampered payload and garbage as unauthorized', async () => {
    const other = await signToken('another-secret-of-at-least-32-bytes!', { sub: 'u1' });
    const good = await signToken(SECRET, { sub: 'u1', rooms: ['lobby'] });
    const [head, , sig] = good.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'u1', rooms: ['*'] })).toString('base64url');
    for (const token of [undefined, '', other, `${head}.${forged}.${sig}`, 'not.a.jwt', 'x']) {
      expect(await verify(request(token)), String(token)).toMatchObject({ ok: false, code: 'unauthorized' });
    }
  });

  it('refuses an unsigned token and another algorithm, even with the right secret', async () => {
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"u1"}').toString('base64url')}.`;
    const hs512 = await new SignJWT({ sub: 'u1' })
      .setProtectedHeader({ alg: 'HS512' })
      .sign(new TextEncoder().encode(SECRET.repeat(2)));
    const verify512 = createTokenVerifier({ secret: SECRET.repeat(2), clock: () => now });
    expect(await verify(request(none))).toMatchObject({ ok: false, code: 'unauthorized' });
    expect(await verify512(request(hs512))).toMatchObject({ ok: false, code: 'unauthorized' });
  });

  it('refuses a token without a subject, with malformed claims or not yet valid', async () => {
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    for (const claims of [
      {},
      { sub: '' },
      { sub: 42 },
      { sub: 'u1', rooms: 'lobby' },
      { sub: 'u1', nick: 7 },
    ]) {
      expect(await verify(request(await sign(claims))), JSON.stringify(claims)).toMatchObject({
        ok: false,
        code: 'unauthorized',
      });
    }
    const early = await signToken(SECRET, { sub: 'u1', nbf: nowSec + 60 });
    expect(await verify(request(early))).toMatchObject({ ok: false, code: 'unauthorized' });
  });

  it('takes the handshake token when hello has none, and prefers the hello token', async () => {
    const fromHello = await signToken(SECRET, { sub: 'hello' });
    const fromHeader = await signToken(SECRET, { sub: 'header' });
    const hs = handshake({ authorization: `Bearer ${fromHeader}` });
    expect(await verify(request(undefined, hs))).toMatchObject({ ok: true, identity: { subject: 'header' } });
    expect(await verify(request(fromHello, hs))).toMatchObject({ ok: true, identity: { subject: 'hello' } });
  });

  it('refuses a secret shorter than HS256 allows', () => {
    expect(() => createTokenVerifier({ secret: 'short', clock: () => now })).toThrow(RangeError);
  });
});

describe('tokenFromHandshake', () => {
  it('looks in the Authorization header, then the token query parameter, then the cookie', () => {
    const headers = { authorization: 'Bearer h.h.h', cookie: 'a=1; switchboard_token=c.c.c' };
    expect(tokenFromHandshake(handshake(headers, { token: 'q.q.q' }))).toBe('h.h.h');
    expect(tokenFromHandshake(handshake({ cookie: headers.cookie }, { token: 'q.q.q' }))).toBe('q.q.q');
    expect(tokenFromHandshake(handshake({ cookie: headers.cookie }))).toBe('c.c.c');
  });

  it('finds nothing in other schemes, empty values or other cookies', () => {
    expect(tokenFromHandshake(handshake({ authorization: 'Basic dTpw' }))).toBeUndefined();
    expect(tokenFromHandshake(handshake({ authorization: 'Bearer ' }, { token: '' }))).toBeUndefined();
    expect(tokenFromHandshake(handshake({ cookie: 'switchboard_token=; other=x' }))).toBeUndefined();
    expect(tokenFromHandshake(handshake())).toBeUndefined();
  });
});
