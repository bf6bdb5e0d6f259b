import type { Bus, BusEvent } from './bus.js';

/** The single-node Bus: publishing is a direct call to the subscriber. */
export class LocalBus implements Bus {
  private handler: ((event: BusEvent) => void) | undefined;

  publish(event: BusEvent): void {
    this.handler?.(event);
  }

  subscribe(handler: (event: BusEvent) => void): void {
    this.handler = handler;
  }

  close(): Promise<void> {
    this.handler = undefined;
    return Promise.resolve();
  }
}
