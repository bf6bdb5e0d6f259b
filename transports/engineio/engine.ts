import { Server } from 'engine.io';
import { randomToken } from '../../src/server/ids.js';

/** engine.io's Server with session ids from the process's pool of random bytes. */
export class SwitchboardEngine extends Server {
  /** 120 random bits, URL-safe, like engine.io's own ids (and those of a cluster, `NODE.` before them). */
  override generateId(): string {
    return randomToken(15);
  }
}
