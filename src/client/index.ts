// The `switchboard/node` entry: the protocol client for Node over TCP lines, raw WebSocket or engine.io.

export type { Frame } from '../lineui/render.js';
export type { BackoffOptions } from './backoff.js';
export {
  CHAT_BACKOFF,
  ChatClient,
  type ChatClientOptions,
  type ClientEvent,
  type ClientState,
  RequestError,
  type RoomState,
} from './client.js';
export { DialError, type DialOptions, dialer } from './dial.js';
export type { Wire } from './wire.js';
