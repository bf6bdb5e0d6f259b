import type { Demotion } from './demotion.js';

/** What the application asks for: the verified fallback order, or one transport only. */
export type TransportMode = 'auto' | 'websocket' | 'sse' | 'polling';

/** A transport as the client names it (the `transport` of `welcome`). */
export type TransportName = 'websocket' | 'sse' | 'polling';

/** The order `auto` tries transports in: each later one is used only when the earlier ones failed. */
export const ORDER: readonly TransportName[] = ['websocket', 'sse', 'polling'];

/** Why a transport was left out of a plan without being tried. */
export type SkipReason = 'forced' | 'unavailable' | 'demoted';

/** How the next connection is made. */
export interface ConnectionPlan {
  /** The transport tried first. */
  first: TransportName;
  /** Every transport this attempt may try, in order; a failure before `welcome` moves to the next. */
  steps: TransportName[];
  /** Whether a failed first attempt falls back on the spot (more than one step). */
  fallback: boolean;
  /**
   * Why the first step is what it is: `forced` (`?transport=`), `no-websocket` (the browser has none),
   * `demoted` (WebSocket failed here recently), `auto` (WebSocket first).
   */
  why: 'forced' | 'no-websocket' | 'demoted' | 'auto';
  /** Transports left out, each with its reason. */
  skipped: { transport: TransportName; reason: SkipReason }[];
}

/** What this browser can do. */
export interface Abilities {
  websocket: boolean;
  eventSource: boolean;
}

/** Demotions in force, by transport. */
export interface Demotions {
  websocket?: Demotion | undefined;
  sse?: Demotion | undefined;
}

/**
 * Reads `?transport=polling|sse|websocket|auto` from a query string: the escape hatch for people behind
 * proxies that break a transport, which works without touching the application.
 */
export function modeFromQuery(search: string): TransportMode | undefined {
  const value = new URLSearchParams(search).get('transport');
  if (value === 'polling' || value === 'long-polling') return 'polling';
  if (value === 'sse' || value === 'eventsource') return 'sse';
  if (value === 'websocket' || value === 'auto') return value;
  return undefined;
}

/**
 * Chooses how to connect: the browser's abilities first, then a forced mode, then remembered demotions.
 * Long-polling is always the last step: it needs nothing but plain HTTP requests.
 */
export function planConnection(
  mode: TransportMode,
  abilities: Abilities,
  demotions: Demotions,
): ConnectionPlan {
  const available = (t: TransportName) =>
    t === 'websocket' ? abilities.websocket : t === 'sse' ? abilities.eventSource : true;
  const steps: TransportName[] = [];
  const skipped: ConnectionPlan['skipped'] = [];
  for (const t of ORDER) {
    if (mode !== 'auto' && t !== mode && !(t === 'polling' && !available(mode))) {
      skipped.push({ transport: t, reason: 'forced' });
    } else if (!available(t)) skipped.push({ transport: t, reason: 'unavailable' });
    else if (mode === 'auto' && t !== 'polling' && demotions[t])
      skipped.push({ transport: t, reason: 'demoted' });
    else steps.push(t);
  }
  const first = steps[0] as TransportName;
  let why: ConnectionPlan['why'] = 'auto';
  if (!abilities.websocket && (mode === 'auto' || mode === 'websocket')) why = 'no-websocket';
  else if (mode !== 'auto') why = 'forced';
  else if (first !== 'websocket') why = 'demoted';
  return { first, steps, fallback: steps.length > 1, why, skipped };
}
