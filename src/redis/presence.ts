import type { Departure, MemberRef, Presence } from '../ports/presence.js';
import { LIMITS } from '../protocol/limits.js';
import { normalizeNick } from '../protocol/names.js';
import type { RedisClients } from './clients.js';
import { DEFAULT_PREFIX } from './keys.js';
import {
  CLAIM_NICK,
  CLAIM_SESSION,
  JOIN,
  LEAVE,
  REAP,
  RELEASE_NICK,
  RELEASE_SESSION,
} from './presence-scripts.js';
import { defineScript, type Script } from './script.js';

/** Options of RedisPresence. */
export interface RedisPresenceOptions {
  clients: RedisClients;
  /** This node's id (NODE_ID); every member, nick and session it records is marked with it. */
  nodeId: string;
  /** Prefix of every key. @default 'sb:' */
  prefix?: string;
  /** The form under which two nicks are the same one (confusables). @default lower case */
  fold?: (nick: string) => string;
  /** Members of a node that stopped are dropped within this bound, ms. @default 15000 */
  deadAfterMs?: number;
  /** Told of a heartbeat or reap that failed (Redis down); nothing throws. */
  onError?: (error: Error) => void;
}

/** Nick variants tried per round trip. */
const BATCH = 16;

/**
 * Presence in Redis, shared by every node: nicks per namespace, members per room, the owner of each session.
 * Each node heart-beats an `alive:NODE` key (TTL two thirds of the bound) every third of the bound; every
 * node, on each beat, reaps nodes whose key expired, so a dead node's members leave within the bound, and the
 * one node that reaped them reports them to its departure handler (which announces their `leave`). A node
 * keeps what it put in Redis, and puts it back when its alive key was lost (Redis restarted empty).
 */
export class RedisPresence implements Presence {
  private readonly clients: RedisClients;
  private readonly node: string;
  private readonly prefix: string;
  private readonly fold: (nick: string) => string;
  private readonly deadAfterMs: number;
  private readonly onError: (error: Error) => void;
  private readonly scripts: Record<
    'claimNick' | 'releaseNick' | 'join' | 'leave' | 'claimSession' | 'releaseSession' | 'reap',
    Script
  >;
  private departed: ((gone: readonly Departure[]) => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  /** What this node holds, to restore after Redis lost it. */
  private readonly mine = {
    nicks: new Map<string, { ns: string; nick: string; session: string }>(),
    members: new Map<string, { ns: string; room: string; member: MemberRef }>(),
    sessions: new Map<string, { ns: string; session: string }>(),
  };

  constructor(options: RedisPresenceOptions) {
    this.clients = options.clients;
    this.node = options.nodeId;
    this.prefix = `${options.prefix ?? DEFAULT_PREFIX}p:`;
    this.fold = options.fold ?? ((nick) => nick.toLowerCase());
    this.deadAfterMs = options.deadAfterMs ?? 15_000;
    this.onError = options.onError ?? (() => {});
    const c = this.clients.command;
    this.scripts = {
      claimNick: defineScript(c, 'sbClaimNick', 2, CLAIM_NICK),
      releaseNick: defineScript(c, 'sbReleaseNick', 2, RELEASE_NICK),
      join: defineScript(c, 'sbJoin', 2, JOIN),
      leave: defineScript(c, 'sbLeave', 2, LEAVE),
      claimSession: defineScript(c, 'sbClaimSession', 2, CLAIM_SESSION),
      releaseSession: defineScript(c, 'sbReleaseSession', 2, RELEASE_SESSION),
      reap: defineScript(c, 'sbReap', 0, REAP),
    };
  }

  /**
   * Takes this node's leftovers of an earlier run out (reporting them as departures), registers the node and
   * starts the heartbeat. Call once, after onDeparted.
   */
  async start(): Promise<void> {
    this.report(await this.scripts.reap([], [this.prefix, this.node, '1']));
    await this.beat();
    this.timer = setInterval(() => {
      this.beating ??= this.beat()
        .catch(this.onError)
        .finally(() => {
          this.beating = undefined;
        });
    }, this.intervalMs());
    this.timer.unref();
  }

  /** Registers the handler told of members dropped because their node died. */
  onDeparted(handler: (gone: readonly Departure[]) => void): void {
    this.departed = handler;
  }

  async claimNick(ns: string, wanted: string | undefined, session: string): Promise<string> {
    const nick = wanted === undefined ? undefined : normalizeNick(wanted);
    if (nick !== undefined) {
      for (let from = 1; ; from += BATCH) {
        const granted = await this.tryNicks(ns, session, variants(nick, from, BATCH));
        if (granted !== undefined) return granted;
      }
    }
    for (;;) {
      const last = await this.clients.command.incrby(this.key('guests', ns), BATCH);
      const names = Array.from({ length: BATCH }, (_, i) => `guest-${last - BATCH + 1 + i}`);
      const granted = await this.tryNicks(ns, session, names);
      if (granted !== undefined) return granted;
    }
  }

  async releaseNick(ns: string, nick: string, session: string): Promise<void> {
    const fold = this.fold(nick);
    this.mine.nicks.delete(`${ns}\u0000${fold}`);
    await this.scripts.releaseNick([this.key('nicks', ns), this.heldKey()], [fold, session, this.node, ns]);
  }

  async join(ns: string, room: string, member: MemberRef): Promise<{ members: number; added: boolean }> {
    const mine = { ...member, node: this.node };
    this.mine.members.set(`${ns}\u0000${room}\u0000${member.session}`, { ns, room, member: mine });
    const [members, added] = (await this.scripts.join(
      [this.roomKey(ns, room), this.heldKey()],
      [member.session, member.nick, this.node, ns, room],
    )) as [number, number];
    return { members: Number(members), added: Number(added) === 1 };
  }

  async leave(ns: string, room: string, session: string): Promise<number> {
    this.mine.members.delete(`${ns}\u0000${room}\u0000${session}`);
    return Number(
      await this.scripts.leave([this.roomKey(ns, room), this.heldKey()], [session, this.node, ns, room]),
    );
  }

  async members(ns: string, room: string): Promise<string[]> {
    const values = await this.clients.command.hvals(this.roomKey(ns, room));
    return values.map((v) => (JSON.parse(v) as [string, string])[0]);
  }

  count(ns: string, room: string): Promise<number> {
    return this.clients.command.hlen(this.roomKey(ns, room));
  }

  async claimSession(ns: string, session: string, node: string): Promise<string | undefined> {
    if (node === this.node) this.mine.sessions.set(`${ns}\u0000${session}`, { ns, session });
    const before = await this.scripts.claimSession(
      [this.key('owner', ns), this.held(node)],
      [session, node, ns],
    );
    return typeof before === 'string' ? before : undefined;
  }

  async releaseSession(ns: string, session: string, node: string): Promise<void> {
    if (node === this.node) this.mine.sessions.delete(`${ns}\u0000${session}`);
    await this.scripts.releaseSession([this.key('owner', ns), this.held(node)], [session, node, ns]);
  }

  async ownerOf(ns: string, session: string): Promise<string | undefined> {
    return (await this.clients.command.hget(this.key('owner', ns), session)) ?? undefined;
  }

  /** Stops the heartbeat and takes this node's share out of Redis (a clean stop is not a death). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
    try {
      await this.scripts.reap([], [this.prefix, this.node, '1']);
      await this.clients.command.del(this.key('alive', this.node));
    } catch (error) {
      this.onError(error as Error);
    }
  }

  private intervalMs(): number {
    return Math.max(10, Math.floor(this.deadAfterMs / 3));
  }

  /** One heartbeat: refresh this node's key (restoring its share if Redis lost it), then reap the dead. */
  private async beat(): Promise<void> {
    const c = this.clients.command;
    const ttl = Math.max(20, Math.floor((this.deadAfterMs * 2) / 3));
    const before = await c.set(this.key('alive', this.node), '1', 'PX', ttl, 'GET');
    await c.sadd(`${this.prefix}nodes`, this.node);
    if (before === null) await this.restore();
    this.report(await this.scripts.reap([], [this.prefix, this.node, '0']));
  }

  /** Puts this node's nicks, members and sessions back (after a Redis restart or a reap of this node). */
  private async restore(): Promise<void> {
    for (const { ns, nick, session } of this.mine.nicks.values()) {
      await this.tryNicks(ns, session, [nick]);
    }
    for (const { ns, room, member } of this.mine.members.values()) {
      await this.scripts.join(
        [this.roomKey(ns, room), this.heldKey()],
        [member.session, member.nick, this.node, ns, room],
      );
    }
    for (const { ns, session } of this.mine.sessions.values()) {
      await this.scripts.claimSession([this.key('owner', ns), this.heldKey()], [session, this.node, ns]);
    }
  }

  private async tryNicks(ns: string, session: string, nicks: readonly string[]): Promise<string | undefined> {
    const args: string[] = [session, this.node, ns];
    for (const nick of nicks) args.push(nick, this.fold(nick));
    const index = Number(await this.scripts.claimNick([this.key('nicks', ns), this.heldKey()], args));
    const granted = index > 0 ? nicks[index - 1] : undefined;
    if (granted !== undefined)
      this.mine.nicks.set(`${ns}\u0000${this.fold(granted)}`, { ns, nick: granted, session });
    return granted;
  }

  private report(reply: unknown): void {
    const flat = reply as string[];
    if (flat.length === 0) return;
    const gone: Departure[] = [];
    for (let i = 0; i + 4 < flat.length; i += 5) {
      gone.push({
        ns: flat[i] as string,
        room: flat[i + 1] as string,
        session: flat[i + 2] as string,
        nick: flat[i + 3] as string,
        node: flat[i + 4] as string,
      });
    }
    try {
      this.departed?.(gone);
    } catch (error) {
      this.onError(error as Error);
    }
  }

  private key(kind: 'nicks' | 'guests' | 'owner' | 'alive', name: string): string {
    return `${this.prefix}${kind}:${name}`;
  }

  private roomKey(ns: string, room: string): string {
    return `${this.prefix}room:{${ns}|${room}}`;
  }

  private heldKey(): string {
    return this.held(this.node);
  }

  private held(node: string): string {
    return `${this.prefix}held:${node}`;
  }
}

/** `count` nicks from the `from`-th variant on: the nick itself (1), then `nick-2`, `nick-3`… within the length limit. */
function variants(nick: string, from: number, count: number): string[] {
  const out: string[] = [];
  for (let n = from; n < from + count; n++) {
    if (n === 1) {
      out.push(nick);
      continue;
    }
    const suffix = `-${n}`;
    out.push(`${[...nick].slice(0, LIMITS.nickMax - suffix.length).join('')}${suffix}`);
  }
  return out;
}
