/**
 * What travels between nodes besides messages (those go through the MessageLog): a presence change with
 * the room's cluster-wide member count, a custom event, or the kick of a session resumed on another node.
 */
export type BusEvent =
  | {
      kind: 'presence';
      ns: string;
      room: string;
      event: 'join' | 'leave';
      nick: string;
      session: string;
      /** Members of the room on every node after the change. */
      members: number;
      renamed?: string;
    }
  | { kind: 'event'; ns: string; room: string; event: string; data: unknown; from: string; session: string }
  | {
      kind: 'kick';
      ns: string;
      session: string;
      /** The node that held the session and must close it. */
      node: string;
      /** The node that took it over. */
      by: string;
    };

/**
 * The Bus port: publish an event to every node (this one included); each node delivers it to its own
 * local members. Events of one room from one node arrive in the order they were published.
 */
export interface Bus {
  publish(event: BusEvent): void;
  /** Registers the handler that receives every published event; one per bus. */
  subscribe(handler: (event: BusEvent) => void): void;
  close(): Promise<void>;
}
