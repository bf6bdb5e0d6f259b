/**
 * The Presence port: cluster-wide nick ownership, room membership and session ownership. Async, since
 * with several nodes it lives in Redis. The in-memory default serves one process.
 */

/** A member as presence stores it. */
export interface MemberRef {
  session: string;
  nick: string;
  /** The node that holds the connection. */
  node: string;
}

/** A member dropped from presence because its node stopped heart-beating. */
export interface Departure {
  ns: string;
  room: string;
  session: string;
  nick: string;
  /** The node that died. */
  node: string;
}

export interface Presence {
  /** Claims `wanted` for `session` if valid and free in the namespace (confusables count as taken), else a free variant, else `guest-N`. */
  claimNick(ns: string, wanted: string | undefined, session: string): Promise<string>;
  /** Frees a nick held by `session`. */
  releaseNick(ns: string, nick: string, session: string): Promise<void>;
  /**
   * Adds a member to a room, or replaces its entry (a rename, a resume on another connection); resolves
   * with the room's member count after, and whether the session was not a member before (so a resume of
   * a member is not announced as a join).
   */
  join(ns: string, room: string, member: MemberRef): Promise<{ members: number; added: boolean }>;
  /** Removes a session from a room; resolves with the member count after. */
  leave(ns: string, room: string, session: string): Promise<number>;
  /** Nicks of a room's members on every node. */
  members(ns: string, room: string): Promise<string[]>;
  /** How many members a room has on every node. */
  count(ns: string, room: string): Promise<number>;
  /** Records that `node` now owns `session`; resolves with the node that owned it before, if any. */
  claimSession(ns: string, session: string, node: string): Promise<string | undefined>;
  /** Forgets the session's ownership when it is still `node`'s. */
  releaseSession(ns: string, session: string, node: string): Promise<void>;
  /** The node that owns a session now. */
  ownerOf(ns: string, session: string): Promise<string | undefined>;
  /**
   * Registers the handler told of members whose node died (cluster adapters only: one node of the cluster
   * is told of each, and should announce their `leave` on the Bus). A single-process presence never calls it.
   */
  onDeparted?(handler: (gone: readonly Departure[]) => void): void;
  /** Releases connections and timers. */
  close(): Promise<void>;
}
