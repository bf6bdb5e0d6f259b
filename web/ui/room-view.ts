import type { ChatMessage, OutgoingUpdate } from '../client/index.js';
import { el, formatTime } from './dom.js';

/** Hooks a room view needs from the page. */
export interface RoomViewHooks {
  /** The person's nick, shown on their pending messages. */
  nick(): string;
  retry(cid: string): void;
  discard(cid: string): void;
}

const STATUS: Record<string, string> = {
  queued: 'waiting for the connection…',
  sending: 'sending…',
};

/**
 * One room on the page: its message log (confirmed messages in seq order, then the person's pending
 * ones) and its member list. Each message is shown once: a pending line becomes the confirmed one when
 * its own echo or ack arrives, and a message id already shown is never added again.
 */
export class RoomView {
  readonly log: HTMLOListElement;
  readonly members = new Set<string>();
  unread = 0;
  private readonly shown = new Set<string>();
  private readonly pending = new Map<string, HTMLLIElement>();

  constructor(
    readonly name: string,
    private readonly hooks: RoomViewHooks,
  ) {
    this.log = el('ol', 'log');
    this.log.dataset.room = name;
    this.log.setAttribute('aria-label', `Messages in ${name}`);
  }

  /** Adds a confirmed message (or turns the pending line of its cid into it); false when already shown. */
  addMessage(message: ChatMessage): boolean {
    if (this.shown.has(message.msgId)) return false;
    const waiting = message.cid === undefined ? undefined : this.pending.get(message.cid);
    const li = waiting ?? el('li', 'msg');
    if (waiting && message.cid !== undefined) this.pending.delete(message.cid);
    this.fill(li, message);
    this.insertConfirmed(li);
    this.shown.add(message.msgId);
    return true;
  }

  /** Shows the state of one of the person's own messages. */
  updateOutgoing(update: OutgoingUpdate): void {
    let li = this.pending.get(update.cid);
    if (update.state === 'sent') {
      // Acked without an echo (a resend the server recognised): the pending line becomes the message.
      if (li && update.seq !== undefined && update.msgId !== undefined && !this.shown.has(update.msgId)) {
        this.pending.delete(update.cid);
        this.fill(li, {
          ...update,
          seq: update.seq,
          msgId: update.msgId,
          from: this.hooks.nick(),
          ts: Date.now(),
        });
        this.insertConfirmed(li);
        this.shown.add(update.msgId);
      } else if (li) {
        this.pending.delete(update.cid);
        li.remove();
      }
      return;
    }
    if (update.state === 'discarded') {
      li?.remove();
      this.pending.delete(update.cid);
      return;
    }
    if (!li) {
      li = el('li', 'msg');
      this.pending.set(update.cid, li);
      this.log.append(li);
    }
    this.fillPending(li, update);
  }

  /** Adds a line that is not a message (joins, leaves, gaps, errors). */
  notice(text: string): void {
    const li = el('li', 'notice', text);
    this.insertConfirmed(li);
  }

  /** Replaces the member list. */
  setMembers(nicks: readonly string[]): void {
    this.members.clear();
    for (const nick of nicks) this.members.add(nick);
  }

  /** The member list's entries, sorted for display. */
  memberItems(): HTMLLIElement[] {
    return [...this.members].sort((a, b) => a.localeCompare(b)).map((nick) => el('li', '', nick));
  }

  private fill(li: HTMLLIElement, message: ChatMessage): void {
    const time = formatTime(message.ts);
    const stamp = el('time', 'meta', time.short);
    stamp.dateTime = time.iso;
    stamp.title = time.iso;
    li.className = 'msg';
    li.dataset.state = 'sent';
    li.dataset.seq = String(message.seq);
    li.dataset.msgId = message.msgId;
    if (message.cid !== undefined) li.dataset.cid = message.cid;
    // Styled as one's own by nick: the session's own messages, and those from before a reload.
    if (message.from === this.hooks.nick()) li.classList.add('mine');
    const parts: HTMLElement[] = [stamp, el('span', 'from', message.from)];
    if (message.bot) {
      li.classList.add('bot');
      const tag = el('span', 'tag', 'bot');
      tag.title = 'Posted over the HTTP API, not by a person in the room';
      parts.push(tag);
    }
    li.replaceChildren(...parts, el('span', 'text', message.text));
  }

  private fillPending(li: HTMLLIElement, update: OutgoingUpdate): void {
    li.className = 'msg pending';
    li.dataset.state = update.state;
    li.dataset.cid = update.cid;
    const status = el(
      'span',
      'status',
      update.state === 'failed'
        ? `not sent: ${update.error?.message ?? 'failed'}`
        : (STATUS[update.state] ?? ''),
    );
    const parts: HTMLElement[] = [
      el('span', 'meta', '…'),
      el('span', 'from', this.hooks.nick()),
      el('span', 'text', update.text),
      status,
    ];
    if (update.state === 'failed') {
      const retry = el('button', 'retry', 'Retry');
      retry.type = 'button';
      retry.addEventListener('click', () => this.hooks.retry(update.cid));
      const discard = el('button', 'discard', 'Discard');
      discard.type = 'button';
      discard.addEventListener('click', () => this.hooks.discard(update.cid));
      parts.push(retry, discard);
    }
    li.replaceChildren(...parts);
  }

  /** Confirmed lines stay above the pending ones, so the log reads in seq order with pending last. */
  private insertConfirmed(li: HTMLLIElement): void {
    const firstPending = this.log.querySelector(':scope > li.pending');
    if (firstPending) this.log.insertBefore(li, firstPending);
    else this.log.append(li);
  }
}
