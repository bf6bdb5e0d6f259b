import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * CORS for engine.io's long-polling: every origin may read the answers, so that a page whose origin is
 * refused can read its 403 `forbidden_origin` and stop; the origin check itself is admission's. No
 * cookies are used, so no credentials are allowed. The same headers engine.io's `cors` option gave
 * (`{ origin: true, methods: ['GET', 'POST'], credentials: false }`), set synchronously on the request's
 * own path instead of through engine.io's promise chain of middlewares. True when it answered the request
 * (a preflight).
 */
export function answerCors(req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined) res.setHeader('Access-Control-Allow-Origin', origin);
  if (req.method !== 'OPTIONS') {
    res.setHeader('Vary', 'Origin');
    return false;
  }
  res.setHeader('Access-Control-Allow-Methods', 'GET,POST');
  // Whatever headers the page asks to send are allowed (engine.io-client's `extraHeaders`).
  const asked = req.headers['access-control-request-headers'];
  if (asked) res.setHeader('Access-Control-Allow-Headers', asked);
  res.setHeader('Vary', 'Origin, Access-Control-Request-Headers');
  // Safari waits for a body on a 204 without a length.
  res.statusCode = 204;
  res.setHeader('Content-Length', '0');
  res.end();
  return true;
}
