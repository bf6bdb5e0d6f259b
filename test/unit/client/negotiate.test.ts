import { describe, expect, it } from 'vitest';
import { modeFromQuery, planConnection } from '../../../web/client/negotiate.js';

const demotion = { reason: 'websocket closed before carrying traffic', since: 0, until: 1 };
const all = { websocket: true, eventSource: true };

describe('modeFromQuery', () => {
  it('reads ?transport=', () => {
    expect(modeFromQuery('?transport=polling')).toBe('polling');
    expect(modeFromQuery('?nick=a&transport=long-polling')).toBe('polling');
    expect(modeFromQuery('?transport=sse')).toBe('sse');
    expect(modeFromQuery('?transport=websocket')).toBe('websocket');
    expect(modeFromQuery('?transport=auto')).toBe('auto');
  });

  it('ignores absent and unknown values', () => {
    expect(modeFromQuery('')).toBeUndefined();
    expect(modeFromQuery('?transport=carrier-pigeon')).toBeUndefined();
  });
});

describe('planConnection', () => {
  it('auto tries WebSocket, then SSE, then long-polling', () => {
    expect(planConnection('auto', all, {})).toEqual({
      first: 'websocket',
      steps: ['websocket', 'sse', 'polling'],
      fallback: true,
      why: 'auto',
      skipped: [],
    });
  });

  it('auto leaves out a demoted transport, with the reason', () => {
    expect(planConnection('auto', all, { websocket: demotion })).toMatchObject({
      first: 'sse',
      steps: ['sse', 'polling'],
      why: 'demoted',
      skipped: [{ transport: 'websocket', reason: 'demoted' }],
    });
    expect(planConnection('auto', all, { websocket: demotion, sse: demotion })).toMatchObject({
      first: 'polling',
      steps: ['polling'],
      fallback: false,
      why: 'demoted',
    });
  });

  it('forced modes use exactly one transport and ignore demotions', () => {
    for (const mode of ['websocket', 'sse', 'polling'] as const) {
      const plan = planConnection(mode, all, { websocket: demotion, sse: demotion });
      expect(plan).toMatchObject({ first: mode, steps: [mode], fallback: false, why: 'forced' });
      expect(plan.skipped.every((s) => s.reason === 'forced')).toBe(true);
    }
  });

  it('without WebSocket the order starts at SSE; without EventSource too, at long-polling', () => {
    expect(planConnection('auto', { websocket: false, eventSource: true }, {})).toMatchObject({
      steps: ['sse', 'polling'],
      why: 'no-websocket',
      skipped: [{ transport: 'websocket', reason: 'unavailable' }],
    });
    expect(planConnection('auto', { websocket: false, eventSource: false }, {})).toMatchObject({
      steps: ['polling'],
      why: 'no-websocket',
    });
    // A forced transport the browser lacks falls to long-polling rather than to nothing.
    expect(planConnection('websocket', { websocket: false, eventSource: true }, {})).toMatchObject({
      steps: ['polling'],
      why: 'no-websocket',
    });
    expect(planConnection('sse', { websocket: true, eventSource: false }, {})).toMatchObject({
      steps: ['polling'],
      why: 'forced',
    });
  });
});
