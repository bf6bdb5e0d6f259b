/** The protocol's leave on purpose, as sent. */
export const QUIT = JSON.stringify({ type: 'quit' });

/** What a link reports to the client core. */
export interface LinkEvents {
  /** The transport is open on this link: time to send the hello. */
  open(): void;
  /** One text received. */
  text(text: string): void;
  /** The link is gone: closed by the server or the network, or out of time before its welcome. */
  closed(): void;
}

/** A handshake the server refused before any session (docs/protocol.md, "Handshake refusals"). */
export interface Refusal {
  status: number;
  code: string;
  message: string;
}

/** The codes of admission (the same on every transport); other errors (`not_found`, `websocket_disabled`) are one transport's. */
const ADMISSION_CODES = new Set(['forbidden_origin', 'rate_limited', 'too_many_connections', 'server_full']);

/** The refusal when `code` is one of admission's; undefined for a transport's own errors. */
export function admissionRefusal(status: number, code: unknown, message: unknown): Refusal | undefined {
  if (status < 400 || typeof code !== 'string' || !ADMISSION_CODES.has(code)) return undefined;
  return { status, code, message: typeof message === 'string' ? message : '' };
}

/** Reads the `{ code, message }` of a handshake refused by admission; undefined for anything else. */
export function readRefusal(status: number, body: string): Refusal | undefined {
  if (status < 400) return undefined;
  try {
    const parsed = JSON.parse(body) as { code?: unknown; message?: unknown };
    return admissionRefusal(status, parsed.code, parsed.message);
  } catch {
    return undefined;
  }
}

/**
 * One connection attempt on one transport, as the client core drives it. A link is used once;
 * reconnecting makes a new one. Each environment (a page, Node) has its own links.
 */
export interface Link<T extends string = string> {
  readonly kind: T;
  /** `welcome` arrived: the protocol round trip succeeded. */
  readonly welcomed: boolean;
  /** The id of the hello sent on this link. */
  helloId: number;
  /** The server refused the handshake with this status and code (403 stops the client, 429/503 back off). */
  readonly refusal: Refusal | undefined;
  /** Why it failed, in words, when the environment can tell (a dial error). */
  readonly reason?: string;
  /** Sends one frame. */
  send(frame: object): void;
  /** The welcome arrived: the time limit no longer applies. */
  markWelcomed(): void;
  /** Ends the link on purpose; `closed` is not reported. */
  end(): void;
  /** Leaves on purpose: sends `quit` (the rooms are told `leave` now, not after the grace) and ends the link. */
  quit(): void;
  /** Cuts the link as dead (a liveness check failed); `closed` is reported. */
  kill(): void;
}
