import type { Handshake } from '../ports/admission.js';

/**
 * The Connection port: what a transport gives the hub for each client. The hub hands it encoded frames;
 * the transport puts them on its wire. It never sees rooms or sessions.
 */
export interface Connection {
  /** The transport in use now: `websocket`, `polling`, `rawws`, `tcp`. */
  readonly transport: string;
  /** Writes several encoded JSON frames, in order, each as one frame of the wire, ideally in one write. */
  write(frames: readonly string[]): void;
  /** Closes the connection; the transport then reports it through `Peer.closed()`. */
  close(): void;
  /** Bytes accepted by write() that the wire has not taken yet. */
  bufferedBytes(): number;
}

/** What a transport knows about a connection when it opens. */
export interface ConnectionInfo {
  /** The Origin header of the request that opened it, when there was one. */
  origin?: string | undefined;
  /** The remote address, for logs. */
  remoteAddress?: string | undefined;
  /** The handshake request (headers, query), for authentication to find a token in; dropped after hello. */
  handshake?: Handshake | undefined;
}
