import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ERROR_CODES } from '../../src/protocol/errors.js';
import { type HTTP_ERROR_CODES, statusOf } from '../../src/server/http-errors.js';

/** Answers with `{ statusCode, code, message }`, the shape of every HTTP error of the gateway. */
export function replyError(
  res: ServerResponse,
  code: keyof typeof HTTP_ERROR_CODES | keyof typeof ERROR_CODES,
  message: string,
  close = false,
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const statusCode = statusOf(code);
  const body = JSON.stringify({ statusCode, code, message });
  res.writeHead(statusCode, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(body);
}

/** A request body that was too large (refused unread) or is not valid UTF-8. */
export type BodyResult =
  | { ok: true; text: string }
  | { ok: false; reason: 'too_large' | 'not_utf8' | 'aborted' };

/**
 * Reads a request body of at most `limit` bytes. A larger one (by Content-Length or as it streams in) is
 * refused without being buffered; the caller answers and closes, so the rest is never read.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.resolve({ ok: false, reason: 'too_large' });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BodyResult) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        finish({ ok: false, reason: 'too_large' });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      try {
        finish({ ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)) });
      } catch {
        finish({ ok: false, reason: 'not_utf8' });
      }
    });
    req.once('error', () => finish({ ok: false, reason: 'aborted' }));
    req.once('close', () => finish({ ok: false, reason: 'aborted' }));
  });
}
