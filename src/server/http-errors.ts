import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type ERROR_CODES, HTTP_ERROR_CODES, ProtocolError, statusOf } from '../protocol/errors.js';

// The registry lives with the protocol's codes (one entry per code, message and status together).
export { HTTP_ERROR_CODES, statusOf };

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
  const statusCode = statusOf(code);
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
