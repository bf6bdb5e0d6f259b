import type { ConnectionState, NegotiationInfo, TransportName } from '../client/index.js';

/** What the badge shows: the transport when open, the state otherwise. */
export function badgeText(state: ConnectionState, transport: TransportName | undefined): string {
  if (state === 'open')
    return transport === 'websocket' ? 'WebSocket' : transport === 'sse' ? 'SSE' : 'long-polling';
  if (state === 'reconnecting') return 'reconnecting…';
  if (state === 'connecting') return 'connecting…';
  if (state === 'closed') return 'closed';
  return 'offline';
}

/** The badge's tooltip: why this transport, and any demotion with its expiry. */
export function badgeTitle(info: NegotiationInfo): string {
  const parts = [`transport mode: ${info.mode}`];
  if (info.plan?.why === 'no-websocket') parts.push('this browser has no WebSocket');
  if (info.demotion) {
    const until = new Date(info.demotion.until).toLocaleTimeString();
    parts.push(`WebSocket demoted (${info.demotion.reason}) until ${until}`);
  }
  if (info.sse.demotion) {
    const until = new Date(info.sse.demotion.until).toLocaleTimeString();
    parts.push(`SSE demoted (${info.sse.demotion.reason}) until ${until}`);
  }
  return parts.join('; ');
}
