import { describe, expect, it } from 'vitest';
import { AdmissionPolicy } from '../../src/core/admission-policy.js';
import { clientAddress, createAdmission, originAllowed } from '../../src/server/admission.js';

const LIMITS = { maxConnectionsPerIp: 2, maxConnections: 3, handshakesPerIpPerSec: 0, handshakeBurst: 1 };

describe('AdmissionPolicy', () => {
  it('caps connections per address, and a release (once, however often called) frees the slot', () => {
    const policy = new AdmissionPolicy(LIMITS, () => 0);
    const a = policy.admit('1.1.1.1');
    const b = policy.admit('1.1.1.1');
    expect(a.ok && b.ok).toBe(true);
    expect(policy.admit('1.1.1.1')).toEqual({ ok: false, code: 'too_many_connections' });
    if (!a.ok) throw new Error('admitted');
    a.release();
    a.release();
    expect(policy.count('1.1.1.1')).toBe(1);
    expect(policy.count()).toBe(1);
    expect(policy.admit('1.1.1.1').ok).toBe(true);
  });

  it('caps connections of the process over every address with server_full', () => {
    const policy = new AdmissionPolicy(LIMITS, () => 0);
    expect(['a', 'b', 'c'].map((ip) => policy.admit(ip).ok)).toEqual([true, true, true]);
    expect(policy.admit('d')).toEqual({ ok: false, code: 'server_full' });
  });

  it('rate-limits handshakes per address on the injected clock, refused ones included', () => {
    let now = 1_000;
    const policy = new AdmissionPolicy(
      { maxConnectionsPerIp: 0, maxConnections: 0, handshakesPerIpPerSec: 2, handshakeBurst: 3 },
      () => now,
    );
    expect([1, 2, 3, 4].map(() => policy.admit('x').ok)).toEqual([true, true, true, false]);
    expect(policy.admit('y').ok).toBe(true);
    now += 499;
    expect(policy.admit('x')).toEqual({ ok: false, code: 'rate_limited' });
    now += 1;
    expect(policy.admit('x').ok).toBe(true);
    expect(policy.admit('x').ok).toBe(false);
  });

  it('forgets refilled buckets so that many addresses do not grow memory without end', () => {
    let now = 0;
    const policy = new AdmissionPolicy(
      { maxConnectionsPerIp: 0, maxConnections: 0, handshakesPerIpPerSec: 1, handshakeBurst: 1 },
      () => now,
    );
    for (let i = 0; i < 10_000; i++) {
      now += 1;
      expect(policy.admit(`10.0.${i >> 8}.${i & 255}`).ok).toBe(true);
    }
    expect((policy as unknown as { buckets: Map<string, unknown> }).buckets.size).toBeLessThan(5000);
  });
});

describe('origin policy and client address', () => {
  it('admits the own origin and localhost on any port by default, and nothing else', () => {
    expect(originAllowed(undefined, 'chat.example', [])).toBe(true);
    expect(originAllowed('https://chat.example', 'chat.example', [])).toBe(true);
    expect(originAllowed('http://localhost:5173', 'chat.example', [])).toBe(true);
    expect(originAllowed('http://127.0.0.1:9', 'chat.example', [])).toBe(true);
    expect(originAllowed('https://evil.example', 'chat.example', [])).toBe(false);
    expect(originAllowed('https://chat.example.evil.example', 'chat.example', [])).toBe(false);
    expect(originAllowed('null', 'chat.example', [])).toBe(false);
  });

  it('admits exactly the listed origins when ALLOWED_ORIGINS is set', () => {
    const list = ['https://chat.example'];
    expect(originAllowed('https://chat.example', 'x', list)).toBe(true);
    expect(originAllowed('http://localhost:3000', 'localhost:3000', list)).toBe(false);
  });

  it('takes the first X-Forwarded-For hop only behind a trusted proxy', () => {
    expect(clientAddress('10.0.0.1', '203.0.113.7, 10.0.0.1', true)).toBe('203.0.113.7');
    expect(clientAddress('10.0.0.1', '203.0.113.7', false)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.1', undefined, true)).toBe('10.0.0.1');
  });

  it('refuses with the registry status, and tells each refusal once', () => {
    const told: string[] = [];
    const admission = createAdmission(
      { ...LIMITS, allowedOrigins: [] },
      () => 0,
      (refusal) => told.push(refusal.code),
    );
    const hs = { transport: 'rawws', remoteAddress: '1.1.1.1', headers: {}, query: {} };
    expect(admission.admit({ ...hs, origin: 'https://evil.example', host: 'chat.example' })).toMatchObject({
      ok: false,
      status: 403,
      code: 'forbidden_origin',
    });
    expect(admission.admit(hs).ok && admission.admit(hs).ok).toBe(true);
    expect(admission.admit(hs)).toMatchObject({ ok: false, status: 429, code: 'too_many_connections' });
    expect(admission.admit({ ...hs, remoteAddress: '2.2.2.2' })).toMatchObject({ ok: true });
    expect(admission.admit({ ...hs, remoteAddress: '3.3.3.3' })).toMatchObject({
      status: 503,
      code: 'server_full',
    });
    expect(told).toEqual(['forbidden_origin', 'too_many_connections', 'server_full']);
  });
});
