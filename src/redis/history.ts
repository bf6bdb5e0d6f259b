import type {
  AppendResult,
  History,
  NewMessage,
  RangeQuery,
  RoomInfo,
  StoredMessage,
} from '../history/history.js';
import type { MessageHandler, MessageLog } from '../ports/message-log.js';
import type { RedisClients } from './clients.js';
import { DEFAULT_PREFIX, messageChannel, roomKeys } from './keys.js';
import { defineScript, type Script } from './script.js';
import { APPEND, RANGE } from './scripts.js';

/** Options of RedisHistory and RedisMessageLog. */
export interface RedisHistoryOptions {
  clients: RedisClients;
  /** Messages kept per room (HISTORY_LIMIT). @default 1000 */
  limit?: number;
  /** Makes a new epoch string; used once per room, the first time Redis sees it. */
  newEpoch: () => string;
  /** Prefix of every key and channel. @default 'sb:' */
  prefix?: string;
}

/** A message as the append script publishes it. */
interface Published {
  ns: string;
  /** The room's epoch when the message was stored (a Redis that restarted empty has made a new one). */
  epoch: string;
  seq: number;
  m: NewMessage;
}

/**
 * History on Redis Streams: one stream per room (entry id = seq), a meta hash with the room's epoch and
 * last seq, and a sorted set of the cids still held. Every node shares it, so any node can serve a resume.
 */
export class RedisHistory implements History {
  protected readonly clients: RedisClients;
  protected readonly prefix: string;
  private readonly limit: number;
  private readonly newEpoch: () => string;
  private readonly appendScript: Script;
  private readonly rangeScript: Script;
  /** The channel appends publish on; '' stores only. */
  protected channel = '';

  constructor(options: RedisHistoryOptions) {
    this.clients = options.clients;
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    this.limit = Math.max(1, options.limit ?? 1000);
    this.newEpoch = options.newEpoch;
    this.appendScript = defineScript(this.clients.command, 'sbAppend', 3, APPEND);
    this.rangeScript = defineScript(this.clients.command, 'sbRange', 2, RANGE);
  }

  /** Numbers and stores the message in one script (publishing it too for the MessageLog). */
  async append(ns: string, room: string, message: NewMessage): Promise<AppendResult> {
    const keys = roomKeys(this.prefix, ns, room);
    const cid = message.cid === undefined ? '' : `${message.session}\u0000${message.cid}`;
    const json = JSON.stringify(message);
    const reply = (await this.appendScript(
      [keys.meta, keys.log, keys.cids],
      [this.newEpoch(), this.limit, cid, json, this.channel, JSON.stringify(ns)],
    )) as [number, number, string?];
    const [fresh, seq, earlier] = reply;
    if (fresh === 1) return { message: { ...message, seq }, duplicate: false };
    return { message: { ...(JSON.parse(earlier as string) as NewMessage), seq }, duplicate: true };
  }

  /** The room's epoch (made on first sight) and seq window. */
  async info(ns: string, room: string): Promise<RoomInfo> {
    return (await this.read(ns, room, { limit: 0 })).info;
  }

  /** Messages by seq, with the info read in the same script. */
  range(ns: string, room: string, query: RangeQuery): Promise<{ info: RoomInfo; messages: StoredMessage[] }> {
    return this.read(ns, room, query);
  }

  /** Nothing of its own: the connections belong to RedisClients. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  private async read(ns: string, room: string, query: RangeQuery) {
    const keys = roomKeys(this.prefix, ns, room);
    const reply = (await this.rangeScript(
      [keys.meta, keys.log],
      [
        this.newEpoch(),
        this.limit,
        query.after === undefined ? '' : Math.floor(query.after),
        query.before === undefined ? '' : Math.ceil(query.before),
        Math.max(0, Math.floor(query.limit)),
      ],
    )) as (string | number)[];
    const info: RoomInfo = { epoch: String(reply[0]), seq: Number(reply[1]), first: Number(reply[2]) };
    const messages: StoredMessage[] = [];
    for (let i = 3; i < reply.length; i += 2) {
      const seq = Number.parseInt(String(reply[i]), 10);
      messages.push({ ...(JSON.parse(String(reply[i + 1])) as NewMessage), seq });
    }
    if (query.after === undefined) messages.reverse();
    return { info, messages };
  }
}

/**
 * The MessageLog on Redis: RedisHistory whose append script also PUBLISHes the numbered message, so storing
 * and distributing are one atomic step; every node's subscriber receives it (this node's too).
 */
export class RedisMessageLog extends RedisHistory implements MessageLog {
  private handler: MessageHandler | undefined;
  private readonly onError: (error: Error) => void;
  private subscribed: Promise<void> | undefined;

  constructor(options: RedisHistoryOptions & { onError?: (error: Error) => void }) {
    super(options);
    this.channel = messageChannel(this.prefix);
    this.onError = options.onError ?? (() => {});
  }

  /** Registers the handler of every published message; starts listening on the shared subscriber. */
  subscribe(handler: MessageHandler): void {
    this.handler = handler;
    if (!this.subscribed) {
      this.subscribed = this.clients.listen(this.channel, (payload) => this.receive(payload));
      this.subscribed.catch(this.onError);
    }
  }

  /** Resolves once the subscription is in place, so what is published from then on arrives here. */
  listening(): Promise<void> {
    return this.subscribed ?? Promise.resolve();
  }

  private receive(payload: string): void {
    let published: Published;
    try {
      published = JSON.parse(payload) as Published;
    } catch (error) {
      this.onError(error as Error);
      return;
    }
    try {
      this.handler?.(published.ns, { ...published.m, seq: published.seq }, published.epoch);
    } catch (error) {
      // A throwing handler must not break the subscriber connection's reader.
      this.onError(error as Error);
    }
  }
}
