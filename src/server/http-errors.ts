import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type ERROR_CODES, ProtocolError } from '../protocol/errors.js';

/** Error codes of the HTTP API beyond the protocol's own (which it also uses). */
export const HTTP_ERROR_CODES = {
  bad_request: 'The request did not match the route schema.',
  payload_too_large: 'The request body is larger than the maximum frame size.',
  unsupported_media_type: 'The request body must be JSON, sent with Content-Type: application/json.',
  not_found: 'No such route.',
  api_disabled: 'Publishing over HTTP is off: set API_TOKEN to enable it.',
  websocket_disabled: 'WebSocket is turned off on this server (WEBSOCKET=off); use engine.io long-polling.',
  unsupported_subprotocol: 'The WebSocket handshake offered only subprotocols this server does not speak.',
  unknown_stream: 'No such SSE stream, or it can no longer be resumed: open a new one with GET /sse/.',
  method_not_allowed: 'The endpoint does not serve this HTTP method.',
} as const;

const STATUS: Partial<Record<string, number>> = {
  invalid_room: 400,
  invalid_nick: 400,
  invalid_text: 400,
  bad_request: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unauthorized: 401,
  api_disabled: 403,
  websocket_disabled: 403,
  forbidden_origin: 403,
  unsupported_subprotocol: 400,
  not_found: 404,
  unknown_stream: 404,
  method_not_allowed: 405,
  history_unavailable: 503,
  rate_limited: 429,
};

/** Headers that describe a body; an error reply drops those a failed handler set for its own body. */
const REPRESENTATION_HEADERS = [
  'content-length',
  'content-encoding',
  'content-range',
  'content-disposition',
  'accept-ranges',
  'etag',
  'last-modified',
  'cache-control',
] as const;

/** The HTTP status that goes with an error code. */
export function statusOf(code: string): number {
  return STATUS[code] ?? (code === 'internal' ? 500 : 400);
}

/** An HTTP error with a stable code. */
export class HttpError extends Error {
  constructor(
    readonly code: keyof typeof HTTP_ERROR_CODES | keyof typeof ERROR_CODES,
    message: string,
  ) {
    super(message);
  }
}

/** Answers 404 `not_found` in the API's error format. */
export function replyNotFound(request: FastifyRequest, reply: FastifyReply): void {
  reply
    .status(404)
    .type('application/json; charset=utf-8')
    .send({ statusCode: 404, code: 'not_found', message: `No route ${request.method} ${request.url}` });
}

/** Sends `{ statusCode, code, message }` for any error: schema failures, protocol and HTTP errors, bugs. */
export function replyError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  let code: string;
  let message = error.message;
  if (error instanceof ProtocolError || error instanceof HttpError) {
    code = error.code;
  } else if ((error as FastifyError).validation) {
    code = 'bad_request';
  } else if ((error as FastifyError).statusCode === 413) {
    code = 'payload_too_large';
  } else if ((error as FastifyError).statusCode && ((error as FastifyError).statusCode as number) < 500) {
    code = 'bad_request';
  } else {
    request.log.error({ err: error }, 'request failed');
    code = 'internal';
    message = 'The server failed while handling the request.';
  }
  const statusCode =
    STATUS[code] ?? (code === 'internal' ? 500 : ((error as FastifyError).statusCode ?? 400));
  if (reply.raw.headersSent) {
    // Part of another answer is on the wire already: the only honest end is to cut the response short.
    reply.raw.destroy();
    return;
  }
  // A handler may have described another body before it failed (a static file whose stream then could not
  // open, say with no file descriptor left): the JSON error must not go out under that file's headers.
  for (const header of REPRESENTATION_HEADERS) reply.removeHeader(header);
  reply.status(statusCode).type('application/json; charset=utf-8').send({ statusCode, code, message });
}
