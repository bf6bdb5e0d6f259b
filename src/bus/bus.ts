import type { StoredMessage } from '../history/history.js';

/** What travels between nodes: a stored message, a presence change, or a custom event. */
export type BusEvent =
  | { kind: 'message'; ns: string; message: StoredMessage }
  | {
      kind: 'presence';
      ns: string;
      room: string;
      event: 'join' | 'leave';
      nick: string;
      session: string;
      renamed?: string;
    }
  | { kind: 'event'; ns: string; room: string; event: string; data: unknown; from: string; session: string };

/**
 * The Bus port: publish an event to every node (this one included); each node delivers it to its own
 * local members. Messages of one room must be delivered in the order they were published.
 */
export interface Bus {
  publish(event: BusEvent): void;
  /** Registers the handler that receives every published event; one per bus. */
  subscribe(handler: (event: BusEvent) => void): void;
  close(): Promise<void>;
}
