import { type IncomingMessage, ServerResponse } from 'node:http';
import { Server } from 'engine.io';

/**
 * engine.io's Server with middlewares (CORS, the only one) run on HTTP requests only: CORS does not apply
 * to a WebSocket upgrade (the Origin check is admission's), and running it there costs a promise chain and
 * the CORS headers per upgrade for nothing.
 */
export class SwitchboardEngine extends Server {
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
