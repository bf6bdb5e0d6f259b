import type { MessageHandler, MessageLog } from '../ports/message-log.js';
import type { AppendResult, History, NewMessage, RangeQuery, RoomInfo, StoredMessage } from './history.js';

/**
 * The single-process MessageLog: a History whose append hands the numbered message to the subscriber
 * before it resolves, so storing and distributing are one step here too. A resend (same session and cid)
 * is returned, not distributed again.
 */
export class LocalMessageLog implements MessageLog {
  private handler: MessageHandler | undefined;

  constructor(private readonly history: History) {}

  async append(ns: string, room: string, message: NewMessage): Promise<AppendResult> {
    const result = await this.history.append(ns, room, message);
    if (!result.duplicate) this.handler?.(ns, result.message);
    return result;
  }

  subscribe(handler: MessageHandler): void {
    this.handler = handler;
  }

  info(ns: string, room: string): Promise<RoomInfo> {
    return this.history.info(ns, room);
  }

  range(ns: string, room: string, query: RangeQuery): Promise<{ info: RoomInfo; messages: StoredMessage[] }> {
    return this.history.range(ns, room, query);
  }

  keep(ns: string, room: string): void {
    this.history.keep?.(ns, room);
  }

  forget(ns: string, room: string): void {
    this.history.forget?.(ns, room);
  }

  close(): Promise<void> {
    this.handler = undefined;
    return this.history.close();
  }
}
