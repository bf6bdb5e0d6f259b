import type { Server } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { Hub } from '../core/hub.js';
import type { Admission } from '../ports/admission.js';
import type { Observer } from '../ports/observer.js';
import type { Config } from './config.js';

/** What forwarding needs of the cluster: this node's id and where another node is. */
export interface SessionDirectory {
  nodeId: string;
  /** The base URL of `node`, or undefined when it is gone. */
  locate(node: string): Promise<string | undefined>;
  /** Called when a located node did not answer, so a stale address is not tried again at once. */
  unreachable?(node: string): void;
}

/** What a transport is given when it starts. */
export interface TransportContext {
  hub: Hub;
  /** The HTTP server the Fastify app listens on (for engine.io and WebSocket upgrades). */
  server: Server;
  config: Config;
  log: FastifyBaseLogger;
  /** Where the transport reports connections opened and closed, frames in and out, transport changes. */
  observer: Observer;
  /** With REDIS_URL: this node's id and where the others are, for requests of sessions another node owns. */
  directory?: SessionDirectory | undefined;
  /** Decides each handshake before a session exists; an admitted connection releases its ticket on close. */
  admission: Admission;
}

/**
 * The Transport port: turns its wire into Connections and hands each decoded frame to the hub. It knows
 * nothing of rooms; the hub knows nothing of its wire.
 */
export interface Transport {
  readonly name: string;
  /** Starts accepting connections. Called before the HTTP server listens. */
  start(context: TransportContext): Promise<void> | void;
  /** Stops accepting and closes what is left (the hub has already said bye). */
  stop(): Promise<void>;
  /** The address it listens on, for transports with their own port. */
  address?(): { port: number; host: string } | undefined;
}

/**
 * The hard cap a transport's own framing enforces on one inbound frame. Frames between `maxFrameBytes` and
 * this cap still reach the hub, which answers `frame_too_large` and keeps the connection; beyond it the
 * transport closes the connection as abuse without buffering the rest.
 */
export function payloadLimit(maxFrameBytes: number): number {
  return maxFrameBytes * 4 + 1024;
}

/** Makes a transport instance. */
export type TransportFactory = () => Transport;
