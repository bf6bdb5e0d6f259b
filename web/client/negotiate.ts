import type { Demotion } from './demotion.js';

/** What the application asks for: WebSocket with a verified fallback, or one transport only. */
export type TransportMode = 'auto' | 'websocket' | 'polling';

/** A transport as the client names it (engine.io's names). */
export type TransportName = 'websocket' | 'polling';

/** How the next connection is made. */
export interface ConnectionPlan {
  /** The transport tried first. */
  first: TransportName;
  /** Whether a failed WebSocket attempt falls back to long-polling on the spot. */
  fallback: boolean;
  /** Why: `forced`, `no-websocket`, `demoted` or `auto`. */
  why: 'forced' | 'no-websocket' | 'demoted' | 'auto';
}

/**
 * Reads `?transport=polling|websocket|auto` from a query string: the escape hatch for people behind
 * proxies that break WebSocket, which works without touching the application.
 */
export function modeFromQuery(search: string): TransportMode | undefined {
  const value = new URLSearchParams(search).get('transport');
  if (value === 'polling' || value === 'long-polling') return 'polling';
  if (value === 'websocket' || value === 'auto') return value;
  return undefined;
}

/** Chooses how to connect: the browser's abilities first, then a forced mode, then a remembered demotion. */
export function planConnection(
  mode: TransportMode,
  hasWebSocket: boolean,
  demotion: Demotion | undefined,
): ConnectionPlan {
  if (!hasWebSocket) return { first: 'polling', fallback: false, why: 'no-websocket' };
  if (mode !== 'auto') return { first: mode, fallback: false, why: 'forced' };
  if (demotion) return { first: 'polling', fallback: false, why: 'demoted' };
  return { first: 'websocket', fallback: true, why: 'auto' };
}
