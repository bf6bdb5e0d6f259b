import type { Bus, BusEvent } from '../bus/bus.js';
import type { RedisClients } from './clients.js';
import { busChannel, DEFAULT_PREFIX } from './keys.js';

/** Options of RedisBus. */
export interface RedisBusOptions {
  clients: RedisClients;
  /** Prefix of the channel. @default 'sb:' */
  prefix?: string;
  /** Called when a publish fails (Redis down) or a payload cannot be read; publish itself never throws. */
  onError?: (error: Error) => void;
}

/**
 * The Bus on Redis pub/sub: one channel for every event, published on the command connection (so one
 * node's events keep their order) and received on the shared subscriber connection, this node included.
 * Delivery is at most once: an event published while Redis is unreachable is lost and reported to onError.
 */
export class RedisBus implements Bus {
  private readonly clients: RedisClients;
  private readonly channel: string;
  private readonly onError: (error: Error) => void;
  private handler: ((event: BusEvent) => void) | undefined;
  private subscribed: Promise<void> | undefined;

  constructor(options: RedisBusOptions) {
    this.clients = options.clients;
    this.channel = busChannel(options.prefix ?? DEFAULT_PREFIX);
    this.onError = options.onError ?? (() => {});
  }

  /** Publishes to every node; a failure goes to onError. */
  publish(event: BusEvent): void {
    this.clients.command.publish(this.channel, JSON.stringify(event)).catch(this.onError);
  }

  /** Registers the one handler of every event and starts listening. */
  subscribe(handler: (event: BusEvent) => void): void {
    this.handler = handler;
    if (!this.subscribed) {
      this.subscribed = this.clients.listen(this.channel, (payload) => this.receive(payload));
      this.subscribed.catch(this.onError);
    }
  }

  /** Resolves once the subscription is in place. */
  listening(): Promise<void> {
    return this.subscribed ?? Promise.resolve();
  }

  /** Stops delivering; the connections belong to RedisClients. */
  close(): Promise<void> {
    this.handler = undefined;
    return Promise.resolve();
  }

  private receive(payload: string): void {
    let event: BusEvent;
    try {
      event = JSON.parse(payload) as BusEvent;
    } catch (error) {
      this.onError(error as Error);
      return;
    }
    try {
      this.handler?.(event);
    } catch (error) {
      // A throwing handler must not break the subscriber connection's reader.
      this.onError(error as Error);
    }
  }
}
