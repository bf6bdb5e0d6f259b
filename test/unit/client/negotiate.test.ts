import { describe, expect, it } from 'vitest';
import { modeFromQuery, planConnection } from '../../../web/client/negotiate.js';

const demotion = { reason: 'websocket closed before carrying traffic', since: 0, until: 1 };

describe('modeFromQuery', () => {
  it('reads ?transport=', () => {
    expect(modeFromQuery('?transport=polling')).toBe('polling');
    expect(modeFromQuery('?nick=a&transport=long-polling')).toBe('polling');
    expect(modeFromQuery('?transport=websocket')).toBe('websocket');
    expect(modeFromQuery('?transport=auto')).toBe('auto');
  });

  it('ignores absent and unknown values', () => {
    expect(modeFromQuery('')).toBeUndefined();
    expect(modeFromQuery('?transport=carrier-pigeon')).toBeUndefined();
  });
});

describe('planConnection', () => {
  it('auto tries WebSocket first with a verified fallback', () => {
    expect(planConnection('auto', true, undefined)).toEqual({
      first: 'websocket',
      fallback: true,
      why: 'auto',
    });
  });

  it('auto uses long-polling only while a demotion is in force', () => {
    expect(planConnection('auto', true, demotion)).toEqual({
      first: 'polling',
      fallback: false,
      why: 'demoted',
    });
  });

  it('forced modes use exactly one transport and ignore demotions', () => {
    expect(planConnection('polling', true, undefined)).toEqual({
      first: 'polling',
      fallback: false,
      why: 'forced',
    });
    expect(planConnection('websocket', true, demotion)).toEqual({
      first: 'websocket',
      fallback: false,
      why: 'forced',
    });
  });

  it('without WebSocket in the browser, every mode is long-polling', () => {
    for (const mode of ['auto', 'websocket', 'polling'] as const) {
      expect(planConnection(mode, false, undefined)).toEqual({
        first: 'polling',
        fallback: false,
        why: 'no-websocket',
      });
    }
  });
});
