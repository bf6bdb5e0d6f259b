import { AdmissionPolicy } from '../core/admission-policy.js';
import type { Admission, Handshake, Refusal, Ticket } from '../ports/admission.js';
import { ERRORS } from '../protocol/errors.js';
import { addressGroup } from './address-group.js';
import type { Config } from './config.js';

/** Hosts whose pages are admitted on any port while ALLOWED_ORIGINS is empty: a developer's own machine. */
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The client's address: the socket's, or with `trustProxy` the first hop of X-Forwarded-For (the client
 * as the proxy in front saw it). Without a proxy of one's own, that header is whatever the client wrote.
 */
export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustProxy: boolean,
): string {
  if (trustProxy && forwardedFor !== undefined) {
    const header = Array.isArray(forwardedFor) ? forwardedFor[0] : forwardedFor;
    const first = header?.split(',')[0]?.trim();
    if (first) return first;
  }
  return socketAddress ?? '';
}

/**
 * Whether a page of `origin` may open a connection. A listed ALLOWED_ORIGINS is exact; an empty one admits
 * the server's own origin (its Host header) and localhost on any port, so a page served elsewhere cannot
 * ride on a visitor's browser. Without an Origin the request is not a browser page's, so it is not refused.
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
) {
  if (origin === undefined) return true;
  if (allowed.length > 0) return allowed.includes(origin);
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // `null` (a sandboxed frame, a file) and garbage are nobody's own origin.
  }
  if (LOCAL_HOSTS.has(url.hostname)) return true;
  return host !== undefined && url.host === host.toLowerCase();
}

/** What the server's admission reports about each refusal (logged once, with its reason). */
export type OnRefused = (refusal: Refusal, handshake: Handshake) => void;

/** The gateway's Admission: the Origin policy, then the per-address and process bounds of AdmissionPolicy. */
export function createAdmission(
  config: Pick<
    Config,
    'allowedOrigins' | 'maxConnectionsPerIp' | 'maxConnections' | 'handshakesPerIpPerSec' | 'handshakeBurst'
  >,
  clock: () => number,
  onRefused: OnRefused = () => {},
): Admission & { readonly policy: AdmissionPolicy } {
  const policy = new AdmissionPolicy(config, clock);
  const refuse = (code: keyof typeof ERRORS, message: string, handshake: Handshake): Refusal => {
    const refusal: Refusal = { ok: false, status: ERRORS[code].status, code, message };
    onRefused(refusal, handshake);
    return refusal;
  };
  return {
    policy,
    admit(handshake: Handshake): Ticket | Refusal {
      if (!originAllowed(handshake.origin, handshake.host, config.allowedOrigins)) {
        return refuse('forbidden_origin', `Origin ${handshake.origin} is not allowed.`, handshake);
      }
      const decision = policy.admit(addressGroup(handshake.remoteAddress));
      if (!decision.ok) {
        const why = {
          rate_limited: `Too many handshakes from this address (an IPv6 one: its /64); at most ${config.handshakesPerIpPerSec} a second.`,
          too_many_connections: `This address (an IPv6 one: its /64) already holds ${config.maxConnectionsPerIp} connections.`,
          server_full: `The server holds ${config.maxConnections} connections, its limit; try again later.`,
        }[decision.code];
        return refuse(decision.code, why, handshake);
      }
      return { ok: true, handshake, release: decision.release };
    },
  };
}
