import { type IncomingMessage, ServerResponse } from 'node:http';
import { Server } from 'engine.io';
import { randomToken } from '../../src/server/ids.js';

/**
 * engine.io's Server with middlewares (CORS, the only one) run on HTTP requests only: CORS does not apply
 * to a WebSocket upgrade (the Origin check is admission's), and running it there costs a promise chain and
 * the CORS headers per upgrade for nothing. Session ids come from the process's pool of random bytes.
 */
export class SwitchboardEngine extends Server {
  /** 120 random bits, URL-safe, like engine.io's own ids (and those of a cluster, `NODE.` before them). */
  override generateId(): string {
    return randomToken(15);
  }

  protected override _applyMiddlewares(
    req: IncomingMessage,
    res: ServerResponse,
    callback: (err?: unknown) => void,
  ): void {
    // An upgrade's stand-in response is not an http.ServerResponse.
    if (!(res instanceof ServerResponse)) {
      callback();
      return;
    }
    super._applyMiddlewares(req, res, callback);
  }
}
