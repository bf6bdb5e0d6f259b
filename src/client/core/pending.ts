/** Where an outgoing message stands: waiting to be sent, sent and awaiting its ack, or failed (retry possible). */
export type OutgoingState = 'queued' | 'sending' | 'failed';

/** A message the person typed that the server has not acknowledged yet. */
export interface Outgoing {
  /** Client message id: the same on every resend, so the server stores the message once. */
  cid: string;
  room: string;
  text: string;
  state: OutgoingState;
  /** How many times it was handed to a connection. */
  attempts: number;
  /** Why it failed, when state is `failed`. */
  error?: { code: string; message: string };
}

/**
 * The pending-send queue: nothing typed is lost across disconnects. Messages wait here from `say` until
 * acknowledged (or echoed back with their cid); those in flight when a connection drops go back to the
 * queue in their original order and are resent with the same cid.
 */
export class PendingSends {
  private readonly entries = new Map<string, Outgoing>();

  constructor(private readonly newCid: () => string) {}

  /** Queues a new message and returns it. */
  add(room: string, text: string): Outgoing {
    let cid = this.newCid();
    while (this.entries.has(cid)) cid = this.newCid();
    const entry: Outgoing = { cid, room, text, state: 'queued', attempts: 0 };
    this.entries.set(cid, entry);
    return { ...entry };
  }

  /** The queued messages in the order they were typed; each is marked as sending. */
  takeQueued(): Outgoing[] {
    const out: Outgoing[] = [];
    for (const entry of this.entries.values()) {
      if (entry.state !== 'queued') continue;
      entry.state = 'sending';
      entry.attempts++;
      out.push({ ...entry });
    }
    return out;
  }

  /** After a connection dropped: every message in flight is queued again. */
  requeue(): void {
    for (const entry of this.entries.values()) if (entry.state === 'sending') entry.state = 'queued';
  }

  /** The server stored it (ack or own echo): it leaves the queue. Returns it, or undefined when unknown. */
  confirm(cid: string): Outgoing | undefined {
    const entry = this.entries.get(cid);
    if (!entry) return undefined;
    this.entries.delete(cid);
    return { ...entry };
  }

  /** The server refused it: it stays, marked failed, until retried or discarded. */
  fail(cid: string, error: { code: string; message: string }): Outgoing | undefined {
    const entry = this.entries.get(cid);
    if (!entry) return undefined;
    entry.state = 'failed';
    entry.error = { ...error };
    return { ...entry };
  }

  /** Puts a failed message back in the queue (same cid). */
  retry(cid: string): Outgoing | undefined {
    const entry = this.entries.get(cid);
    if (entry?.state !== 'failed') return undefined;
    entry.state = 'queued';
    delete entry.error;
    return { ...entry };
  }

  /** Forgets a message (the person gave up on it). */
  discard(cid: string): Outgoing | undefined {
    const entry = this.entries.get(cid);
    this.entries.delete(cid);
    return entry ? { ...entry } : undefined;
  }

  /** Whether a cid is still pending. */
  has(cid: string): boolean {
    return this.entries.has(cid);
  }

  /** A copy of every pending message, in the order typed. */
  list(): Outgoing[] {
    return [...this.entries.values()].map((e) => ({ ...e }));
  }
}
