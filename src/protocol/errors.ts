/** One registered error: the message for people and the HTTP status it is answered with over HTTP. */
interface ErrorEntry {
  readonly message: string;
  readonly status: number;
  /** `protocol`: a wire code (an `error` frame, listed in docs/protocol.md); `http`: only ever an HTTP answer. */
  readonly scope: 'protocol' | 'http';
}

/**
 * The one registry of stable error codes, each with its message and HTTP status together. Protocol codes
 * are part of the wire protocol (PROTOCOL.md, "Error codes"): add new ones, never rename or remove one.
 * docs/protocol.md lists the protocol codes with their statuses; a test keeps them in step.
 */
export const ERRORS = {
  hello_required: {
    scope: 'protocol',
    status: 400,
    message: 'The first frame of a connection must be hello.',
  },
  bad_frame: {
    scope: 'protocol',
    status: 400,
    message: 'The frame is not a JSON object with a string type, or a field has the wrong type.',
  },
  unknown_type: { scope: 'protocol', status: 400, message: 'The frame type is not one this server knows.' },
  invalid_room: {
    scope: 'protocol',
    status: 400,
    message: 'Room names are 1 to 64 letters, digits, "-", "_", "." or ":".',
  },
  invalid_nick: {
    scope: 'protocol',
    status: 400,
    message: 'Nicks are 1 to 32 printable characters after trimming.',
  },
  invalid_text: { scope: 'protocol', status: 400, message: 'Message text is 1 to 4,000 characters.' },
  not_in_room: {
    scope: 'protocol',
    status: 400,
    message: 'The request names a room this connection has not joined.',
  },
  frame_too_large: {
    scope: 'protocol',
    status: 400,
    message: 'The frame is larger than the maximum frame size.',
  },
  rate_limited: {
    scope: 'protocol',
    status: 429,
    message: 'Too many frames or handshakes: the connection or its address is over its rate limit.',
  },
  unauthorized: {
    scope: 'protocol',
    status: 401,
    message: 'The token in hello or refresh was missing or refused, or a refresh named another subject.',
  },
  token_expired: {
    scope: 'protocol',
    status: 401,
    message: 'The token has expired; get a new one and refresh, or reconnect with it.',
  },
  forbidden_room: {
    scope: 'protocol',
    status: 403,
    message: 'The identity of this connection does not allow that room.',
  },
  forbidden_origin: {
    scope: 'protocol',
    status: 403,
    message: 'The Origin of this connection is not allowed.',
  },
  too_many_connections: {
    scope: 'protocol',
    status: 429,
    message: 'This address holds as many connections as the server allows one address.',
  },
  too_many_rooms: {
    scope: 'protocol',
    status: 400,
    message: 'The connection is in as many rooms as the server allows one session (MAX_ROOMS_PER_SESSION).',
  },
  room_full: {
    scope: 'protocol',
    status: 403,
    message: 'The room has as many members as the server allows one room (MAX_MEMBERS_PER_ROOM).',
  },
  server_full: {
    scope: 'protocol',
    status: 503,
    message: 'The server is at its limit (connections, rooms or namespaces); try again later.',
  },
  history_unavailable: {
    scope: 'protocol',
    status: 503,
    message: 'The message history could not be read or written.',
  },
  refused: {
    scope: 'protocol',
    status: 400,
    message: "The application's server logic refused the request; `reason` says why when it gave one.",
  },
  hook_unavailable: {
    scope: 'protocol',
    status: 400,
    message: "The application's server logic (HOOK_URL) could not be reached or gave no valid answer.",
  },
  internal: { scope: 'protocol', status: 500, message: 'The server failed while handling the request.' },
  // HTTP only: answers of the REST API and of refused handshakes, never an `error` frame.
  bad_request: { scope: 'http', status: 400, message: 'The request did not match the route schema.' },
  payload_too_large: {
    scope: 'http',
    status: 413,
    message: 'The request body is larger than the maximum frame size.',
  },
  unsupported_media_type: {
    scope: 'http',
    status: 415,
    message: 'The request body must be JSON, sent with Content-Type: application/json.',
  },
  not_found: { scope: 'http', status: 404, message: 'No such route.' },
  api_disabled: {
    scope: 'http',
    status: 403,
    message: 'Publishing over HTTP is off: set API_TOKEN to enable it.',
  },
  websocket_disabled: {
    scope: 'http',
    status: 403,
    message: 'WebSocket is turned off on this server (WEBSOCKET=off); use engine.io long-polling.',
  },
  unsupported_subprotocol: {
    scope: 'http',
    status: 400,
    message: 'The WebSocket handshake offered only subprotocols this server does not speak.',
  },
  unknown_stream: {
    scope: 'http',
    status: 404,
    message: 'No such SSE stream, or it can no longer be resumed: open a new one with GET /sse/.',
  },
  method_not_allowed: {
    scope: 'http',
    status: 405,
    message: 'The endpoint does not serve this HTTP method.',
  },
} as const satisfies Record<string, ErrorEntry>;

type Registry = typeof ERRORS;
type CodesOf<S extends ErrorEntry['scope']> = {
  [K in keyof Registry as Registry[K]['scope'] extends S ? K : never]: Registry[K]['message'];
};

/** Every registered code, protocol and HTTP. */
export type AnyErrorCode = keyof Registry;

function messagesOf<S extends ErrorEntry['scope']>(scope: S): CodesOf<S> {
  const out: Record<string, string> = {};
  for (const [code, entry] of Object.entries(ERRORS) as [string, ErrorEntry][])
    if (entry.scope === scope) out[code] = entry.message;
  return out as CodesOf<S>;
}

/** The protocol's error codes with their messages (derived from ERRORS). */
export const ERROR_CODES = messagesOf('protocol');

/** The HTTP API's codes beyond the protocol's own, with their messages (derived from ERRORS). */
export const HTTP_ERROR_CODES = messagesOf('http');

/** One of the stable error codes. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The HTTP status that goes with a code; 400 for a code outside the registry, 500 for `internal`. */
export function statusOf(code: string): number {
  return Object.hasOwn(ERRORS, code) ? ERRORS[code as AnyErrorCode].status : 400;
}

/** Reasons the server gives in `bye` before it closes a connection on purpose. */
export const BYE_CODES = {
  shutdown: 'The server is shutting down.',
  slow_consumer: 'The connection did not read fast enough and its send buffer overflowed.',
  rate_limited: 'The connection kept sending past its rate limit.',
  token_expired: 'The identity of the connection expired without a refresh.',
  hello_timeout: 'The connection sent no hello within the hello timeout.',
  kicked:
    'The server closed the connection (repeated bad frames, refused hello, or the session resumed elsewhere).',
} as const;

/** One of the `bye` codes. */
export type ByeCode = keyof typeof BYE_CODES;

/** An error that carries a stable protocol code; thrown by validation and handled by the hub. */
export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string = ERROR_CODES[code],
    /** An application's stable reason for a refusal (error `refused`), sent beside the code. */
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}
