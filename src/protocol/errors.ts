/**
 * The registry of stable error codes. Codes are part of the wire protocol (PROTOCOL.md, "Error codes"):
 * add new ones, never rename or remove one. docs/protocol.md lists the same codes; a test keeps them in step.
 */
export const ERROR_CODES = {
  hello_required: 'The first frame of a connection must be hello.',
  bad_frame: 'The frame is not a JSON object with a string type, or a field has the wrong type.',
  unknown_type: 'The frame type is not one this server knows.',
  invalid_room: 'Room names are 1 to 64 letters, digits, "-", "_", "." or ":".',
  invalid_nick: 'Nicks are 1 to 32 printable characters after trimming.',
  invalid_text: 'Message text is 1 to 4,000 characters.',
  not_in_room: 'The request names a room this connection has not joined.',
  frame_too_large: 'The frame is larger than the maximum frame size.',
  rate_limited: 'Too many frames: the connection is over its rate limit.',
  unauthorized: 'The token in hello or refresh was missing or refused, or a refresh named another subject.',
  token_expired: 'The token has expired; get a new one and refresh, or reconnect with it.',
  forbidden_room: 'The identity of this connection does not allow that room.',
  forbidden_origin: 'The Origin of this connection is not allowed.',
  history_unavailable: 'The message history could not be read or written.',
  refused: "The application's server logic refused the request; `reason` says why when it gave one.",
  hook_unavailable: "The application's server logic (HOOK_URL) could not be reached or gave no valid answer.",
  internal: 'The server failed while handling the request.',
} as const;

/** One of the stable error codes. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Reasons the server gives in `bye` before it closes a connection on purpose. */
export const BYE_CODES = {
  shutdown: 'The server is shutting down.',
  slow_consumer: 'The connection did not read fast enough and its send buffer overflowed.',
  rate_limited: 'The connection kept sending past its rate limit.',
  token_expired: 'The identity of the connection expired without a refresh.',
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
