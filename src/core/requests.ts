import type { RoomInfo, StoredMessage } from '../history/history.js';
import type { Authenticate, AuthResult, Identity } from '../ports/admission.js';
import { ProtocolError } from '../protocol/errors.js';
import { MAX_DATA_DEPTH, tooDeep } from '../protocol/json-depth.js';
import { LIMITS } from '../protocol/limits.js';
import { isValidNamespace, isValidRoom, isValidText, normalizeNick } from '../protocol/names.js';
import type { ClientFrame, ClientFrameType, HelloFrame, ResumedRoom } from '../protocol/schemas.js';
import { allowsRoom, forbiddenRoom, refreshed, refusalError } from './auth-state.js';
import { hookRequest, rewritten, underHook } from './hooked.js';
import { SUPPORTED_CAPS } from './hub.js';
import { fitPage, replayPageSize, settlePull } from './replay-pages.js';
import type { Membership, Session } from './session.js';
import { toWire } from './wire.js';

type Handler<T extends ClientFrameType> = (
  s: Session,
  frame: Extract<ClientFrame, { type: T }>,
) => void | Promise<void>;

const SESSION_ID_RE = /^s_[A-Za-z0-9_-]{8,60}$/;
/** Replay is bounded by the history itself; this only caps a single read. */
const MAX_REPLAY = 100_000;

function nsOf(s: Session) {
  if (!s.ns) throw new ProtocolError('hello_required');
  return s.ns;
}

function checkRoom(room: string): void {
  if (!isValidRoom(room))
    throw new ProtocolError('invalid_room', `Invalid room name "${room.slice(0, 80)}".`);
}

function membershipOf(s: Session, room: string): Membership {
  checkRoom(room);
  const membership = s.rooms.get(room);
  if (!membership) throw new ProtocolError('not_in_room', `Not in room "${room}"; join it first.`);
  return membership;
}

function historyFailed(s: Session, error: unknown): never {
  s.hub.options.onError?.(error, 'history');
  throw new ProtocolError('history_unavailable', 'The room history could not be reached.');
}

/**
 * Adds the session to a room (live messages held back until caught up) and to the room's presence; throws
 * `too_many_rooms`, `room_full` or `server_full` past a limit, before anything is changed.
 */
function enter(s: Session, room: string): { membership: Membership; joined: Promise<void> } {
  const ns = nsOf(s);
  const most = s.hub.limit('maxRoomsPerSession');
  if (s.rooms.size >= most)
    throw new ProtocolError(
      'too_many_rooms',
      `You are in ${most} rooms, as many as one session may be in; leave one first.`,
    );
  s.hub.addMember(ns, room, s);
  const membership: Membership = { lastSeq: 0, epoch: '', buffer: [] };
  s.addRoom(room, membership);
  return { membership, joined: s.enterPresence(room) };
}

// Handlers validate synchronously before their first await, so that errors are answered in request order.

function hello(s: Session, frame: HelloFrame): Promise<void> {
  if (s.isOpen) throw new ProtocolError('bad_frame', 'hello was already received on this connection.');
  const nsName = frame.ns ?? '/';
  if (!isValidNamespace(nsName))
    throw new ProtocolError('bad_frame', `Invalid namespace "${nsName.slice(0, 64)}".`);
  return greet(s, frame, nsName);
}

async function greet(s: Session, frame: HelloFrame, nsName: string): Promise<void> {
  const requested = typeof frame.nick === 'string' ? frame.nick : undefined;
  // Frames behind the hello wait until the welcome: authentication and presence are asynchronous.
  s.welcoming();
  // Read once, by authentication if there is any; an open connection need not keep the headers.
  const handshake = s.handshake;
  s.handshake = undefined;
  if (s.hub.options.authenticate) {
    const identity = await authenticateHello(s, handshake, frame, nsName, requested);
    if (!identity) return;
    s.hub.identify(s, identity);
  }
  let ns: ReturnType<typeof s.hub.namespace>;
  try {
    ns = s.hub.namespace(nsName);
  } catch (error) {
    // A namespace past the process's limit: the hello is refused, with the reason.
    if (!(error instanceof ProtocolError)) throw error;
    s.refuse(error, frame.id);
    return;
  }
  const { presence } = s.hub.options;
  const wanted = frame.resume?.session;
  const held = wanted === undefined ? undefined : ns.sessions.get(wanted);
  // A session id is taken over only by the same subject: another identity gets a session of its own.
  const mayResume = !held || held.identity?.subject === s.identity?.subject;
  s.id = wanted !== undefined && SESSION_ID_RE.test(wanted) && mayResume ? wanted : s.hub.options.newId('s');
  // The connection this one takes over keeps nothing: its rooms and nick pass to this one without a
  // leave and a join for the others to see.
  ns.sessions.get(s.id)?.takenOver();
  ns.sessions.set(s.id, s);
  s.ns = ns;
  let owner: string | undefined;
  try {
    owner = await presence.claimSession(ns.name, s.id, s.hub.nodeId);
    // An identity's nick is the nick: what hello asks for is ignored.
    const nick = s.identity?.nick ?? requested;
    // A nick kept only by a dropped connection's grace goes to whoever asks (a client that came back as a
    // new session instead of resuming).
    const normalized = nick === undefined ? undefined : normalizeNick(nick);
    const holder = normalized && s.hub.parkedHolder(ns.name, normalized);
    if (holder && holder.id !== s.id) await s.hub.depart(holder);
    s.nick = await presence.claimNick(ns.name, nick, s.id);
  } catch (error) {
    if (ns.sessions.get(s.id) === s) ns.sessions.delete(s.id);
    s.fail(error, frame.id, 'presence');
    s.bye('kicked', 'The server could not reach its presence store.');
    return;
  }
  if (s.isClosed) return;
  if (owner !== undefined && owner !== s.hub.nodeId) s.hub.kick(ns.name, s.id, owner);
  const caps = (frame.caps ?? []).filter((c, i, all) => SUPPORTED_CAPS.includes(c) && all.indexOf(c) === i);
  s.batch = caps.includes('batch');
  s.pages = caps.includes('pages');
  const { maxFrameBytes, ratePerSec } = s.hub.options.limits;
  s.sendFrame({
    type: 'welcome',
    v: 1,
    session: s.id,
    nick: s.nick,
    ns: ns.name,
    transport: s.transport,
    limits: { maxFrameBytes, ratePerSec },
    ...(frame.caps ? { caps } : {}),
    ...(s.identity?.expiresAt === undefined ? {} : { expiresAt: s.identity.expiresAt }),
  });
  const resuming = frame.resume?.rooms ? resume(s, frame.resume.rooms) : undefined;
  s.open();
  if (resuming) {
    const rooms = await resuming;
    if (s.isClosed) return;
    s.sendFrame({ type: 'resumed', rooms });
    s.hub.options.observer?.resumed();
  }
  s.ack(frame.id, { session: s.id, nick: s.nick });
}

/** Runs the auth hook for a hello (resumes too: recovery skips nothing); undefined when it refused and closed. */
async function authenticateHello(
  s: Session,
  handshake: Session['handshake'],
  frame: HelloFrame,
  nsName: string,
  nick: string | undefined,
): Promise<Identity | undefined> {
  const authenticate = s.hub.options.authenticate as Authenticate;
  let result: AuthResult;
  try {
    result = await authenticate({ handshake, token: frame.token, ns: nsName, nick });
  } catch (error) {
    s.fail(error, frame.id, 'authenticate');
    s.bye('kicked', 'Authentication failed.');
    return undefined;
  }
  if (s.isClosed) return undefined;
  if (!result.ok) {
    const error = refusalError(result);
    s.hub.options.observer?.refused(error.code, s.transport);
    s.error(error.code, error.message, frame.id);
    // token_expired tells a client to get a new token before it reconnects.
    s.bye(error.code === 'token_expired' ? 'token_expired' : 'kicked', error.message);
    return undefined;
  }
  return result.identity;
}

/** Rejoins the rooms of a resume: memberships are taken at once, then each room replays what was missed. */
function resume(
  s: Session,
  wanted: Record<string, { epoch: string; seq: number }>,
): Promise<Record<string, ResumedRoom>> {
  const ns = nsOf(s);
  // A bad name is told, not dropped silently.
  let entries = Object.entries(wanted).filter(([room]) => {
    if (!isValidRoom(room)) {
      s.error(
        'invalid_room',
        `Room "${room.slice(0, 80)}" in resume is not a valid room name; it was not resumed.`,
      );
      return false;
    }
    if (!allowsRoom(s.identity, room)) {
      s.error('forbidden_room', `${forbiddenRoom(room).message} It was not resumed.`);
      return false;
    }
    return true;
  });
  const most = s.hub.limit('maxRoomsPerSession');
  if (entries.length > most) {
    // One error for the rest, not one per room: a forged resume may name thousands.
    s.error(
      'too_many_rooms',
      `The resume named ${entries.length} rooms; a session may be in ${most}, so the first ${most} were resumed and ${entries.length - most} were not.`,
    );
    entries = entries.slice(0, most);
  }
  const pending = entries.map(([room, from]) => {
    let entered: ReturnType<typeof enter>;
    try {
      entered = enter(s, room);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      s.error(error.code, `${error.message} It was not resumed.`);
      return Promise.resolve(undefined);
    }
    const { membership, joined } = entered;
    return joined.then(
      () => replay(s, ns.name, room, from, membership),
      (error: unknown) => {
        notEntered(s, room, membership, error);
        s.error(
          error instanceof ProtocolError ? error.code : 'history_unavailable',
          `Room "${room}" was not resumed: ${error instanceof ProtocolError ? error.message : 'presence is unavailable.'}`,
        );
        return undefined;
      },
    );
  });
  return Promise.all(pending).then((done) => Object.fromEntries(done.filter((d) => d !== undefined)));
}

/** Undoes an `enter` whose presence join failed or was refused (no join was announced, so no leave is). */
function notEntered(s: Session, room: string, membership: Membership, error: unknown): void {
  if (!(error instanceof ProtocolError)) s.hub.options.onError?.(error, 'presence join');
  if (s.rooms.get(room) === membership) s.dropRoom(room);
}

async function replay(
  s: Session,
  ns: string,
  room: string,
  from: { epoch: string; seq: number },
  membership: Membership,
): Promise<[string, ResumedRoom] | undefined> {
  const history = s.hub.options.log;
  let info: RoomInfo;
  let messages: StoredMessage[];
  let after: number;
  // With `pages` the replay is one page; the client pulls the rest, so a resume never trips the bound.
  const limit = s.pages ? replayPageSize(s) : MAX_REPLAY;
  try {
    info = await history.info(ns, room);
    after = info.epoch === from.epoch ? Math.min(from.seq, info.seq) : 0;
    ({ messages } = await history.range(ns, room, { after, limit }));
  } catch (error) {
    // Without its history the room cannot be resumed in order: leave it, say so, resume the others.
    s.hub.options.onError?.(error, 'resume');
    if (s.rooms.get(room) === membership) s.leaveRoom(room);
    s.error('history_unavailable', `Room "${room}" could not be resumed: its history is unavailable.`);
    return undefined;
  }
  if (s.rooms.get(room) !== membership) return undefined;
  if (info.epoch !== from.epoch) {
    s.sendFrame({ type: 'gap', room, reason: 'epoch', epoch: info.epoch });
    s.hub.options.observer?.gap('epoch');
  } else {
    const after = Math.min(from.seq, info.seq);
    const firstHeld = messages[0]?.seq ?? info.seq + 1;
    if (firstHeld > after + 1 && info.seq > after) {
      s.sendFrame({ type: 'gap', room, reason: 'trimmed', from: after + 1, to: firstHeld - 1 });
      s.hub.options.observer?.gap('trimmed');
    }
  }
  membership.epoch = info.epoch;
  if (s.pages) return replayPage(s, room, info, after, messages, membership);
  sendMessages(s, messages);
  membership.lastSeq = Math.max(info.seq, messages.at(-1)?.seq ?? 0);
  s.catchUp(membership);
  return [room, { epoch: info.epoch, seq: membership.lastSeq, replayed: messages.length }];
}

/** Sends the first page of a paged replay; when more remains the room waits for the client's pulls. */
function replayPage(
  s: Session,
  room: string,
  info: RoomInfo,
  after: number,
  messages: StoredMessage[],
  membership: Membership,
): [string, ResumedRoom] {
  const { frames, sent, cut } = fitPage(s, messages);
  for (const frame of frames) s.send(frame);
  const readTo = sent.at(-1)?.seq ?? after;
  const latest = Math.max(info.seq, messages.at(-1)?.seq ?? 0);
  const more = cut || readTo < latest;
  membership.lastSeq = more ? readTo : latest;
  if (more) membership.pulling = readTo;
  // Live messages held meanwhile: delivered, or (while pulling) only noted as seen.
  s.catchUp(membership);
  return [
    room,
    { epoch: info.epoch, seq: membership.lastSeq, replayed: sent.length, ...(more ? { more } : {}) },
  ];
}

function sendMessages(s: Session, messages: StoredMessage[]): void {
  for (const message of messages) s.sendFrame({ type: 'message', ...toWire(message) });
}

function join(s: Session, frame: Extract<ClientFrame, { type: 'join' }>): Promise<void> {
  checkRoom(frame.room);
  if (!allowsRoom(s.identity, frame.room)) throw forbiddenRoom(frame.room);
  const existing = s.rooms.get(frame.room);
  const hook = s.hub.options.hooks?.join;
  // A rejoin of a room the session is in is not asked about again.
  if (existing || !hook) {
    return admit(s, frame, existing, existing ? { membership: existing } : enter(s, frame.room));
  }
  return underHook(
    s,
    () => hook(hookRequest(s, frame.room)),
    () => admit(s, frame, undefined, enter(s, frame.room)),
  );
}

async function admit(
  s: Session,
  frame: Extract<ClientFrame, { type: 'join' }>,
  existing: Membership | undefined,
  entered: { membership: Membership; joined?: Promise<void> },
): Promise<void> {
  const ns = nsOf(s);
  const { membership, joined } = entered;
  let result: Awaited<ReturnType<typeof s.hub.options.log.range>>;
  let members: string[];
  try {
    await joined;
  } catch (error) {
    notEntered(s, frame.room, membership, error);
    if (error instanceof ProtocolError) throw error;
    historyFailed(s, error);
  }
  try {
    result = await s.hub.options.log.range(ns.name, frame.room, { limit: LIMITS.joinHistory });
    members = await s.hub.members(ns, frame.room);
  } catch (error) {
    if (!existing && s.rooms.get(frame.room) === membership) s.leaveRoom(frame.room);
    historyFailed(s, error);
  }
  const { info, messages } = result;
  // Left (or rejoined) meanwhile, as a `leave` right behind the `join` does: the join is still answered,
  // with the room as it was, since every request gets its one answer.
  const current = s.rooms.get(frame.room) === membership;
  if (!existing && current) {
    membership.lastSeq = info.seq;
    membership.epoch = info.epoch;
  }
  s.ack(frame.id, {
    members,
    epoch: info.epoch,
    seq: info.seq,
    history: messages.map(toWire),
  });
  if (!existing && current) s.catchUp(membership);
}

function leave(s: Session, frame: Extract<ClientFrame, { type: 'leave' }>): void {
  membershipOf(s, frame.room);
  s.leaveRoom(frame.room);
  s.ack(frame.id);
}

function say(s: Session, frame: Extract<ClientFrame, { type: 'say' }>): Promise<void> {
  membershipOf(s, frame.room);
  if (!isValidText(frame.text))
    throw new ProtocolError('invalid_text', 'Text must be 1 to 4,000 characters.');
  const hook = s.hub.options.hooks?.say;
  if (!hook) return store(s, frame, frame.text);
  return underHook(
    s,
    () => hook({ ...hookRequest(s, frame.room), text: frame.text }),
    (verdict) => {
      const rewrite = rewritten(verdict, 'text');
      if (rewrite && (typeof rewrite.value !== 'string' || !isValidText(rewrite.value))) {
        throw new ProtocolError('internal', 'The server logic rewrote the text into one that is not valid.');
      }
      membershipOf(s, frame.room);
      return store(s, frame, rewrite ? (rewrite.value as string) : frame.text);
    },
  );
}

/** Appends a say (numbered and distributed by the log in one step), then acks it. */
async function store(s: Session, frame: Extract<ClientFrame, { type: 'say' }>, text: string): Promise<void> {
  const ns = nsOf(s);
  const { log, clock, newId } = s.hub.options;
  // The log numbers and distributes in one step; the ack follows.
  const { message } = await log
    .append(ns.name, frame.room, {
      room: frame.room,
      msgId: newId('m'),
      from: s.nick,
      text,
      ts: clock(),
      ...(frame.cid === undefined ? {} : { cid: frame.cid }),
      session: s.id,
    })
    .catch((e: unknown) => historyFailed(s, e));
  s.ack(frame.id, { seq: message.seq, msgId: message.msgId });
}

function emit(s: Session, frame: Extract<ClientFrame, { type: 'emit' }>): void | Promise<void> {
  membershipOf(s, frame.room);
  if (tooDeep(frame.data, MAX_DATA_DEPTH)) {
    throw new ProtocolError(
      'bad_frame',
      `Bad "emit" frame: /data nests deeper than ${MAX_DATA_DEPTH} levels.`,
    );
  }
  const { hooks } = s.hub.options;
  const data = frame.data ?? null;
  // Own keys only: an event named `constructor` or `__proto__` is nobody's handler.
  const handler =
    hooks?.events && Object.hasOwn(hooks.events, frame.event) ? hooks.events[frame.event] : undefined;
  if (handler) {
    // Answered by the server: the reply goes in the sender's ack; the room is not told.
    return underHook(
      s,
      () => handler({ ...hookRequest(s, frame.room), event: frame.event, data }),
      (reply) => s.ack(frame.id, { reply: reply ?? null }),
    );
  }
  const hook = hooks?.emit;
  if (!hook) return relay(s, frame, data);
  return underHook(
    s,
    () => hook({ ...hookRequest(s, frame.room), event: frame.event, data }),
    (verdict) => {
      const rewrite = rewritten(verdict, 'data');
      if (rewrite && tooDeep(rewrite.value, MAX_DATA_DEPTH)) {
        throw new ProtocolError('internal', 'The server logic rewrote the data into one too deep to relay.');
      }
      membershipOf(s, frame.room);
      relay(s, frame, rewrite ? (rewrite.value ?? null) : data);
    },
  );
}

/** Sends a custom event to the room's other members on every node, and acks it. */
function relay(s: Session, frame: Extract<ClientFrame, { type: 'emit' }>, data: unknown): void {
  s.hub.options.bus.publish({
    kind: 'event',
    ns: nsOf(s).name,
    room: frame.room,
    event: frame.event,
    data,
    from: s.nick,
    session: s.id,
  });
  s.ack(frame.id);
}

function nick(s: Session, frame: Extract<ClientFrame, { type: 'nick' }>): void | Promise<void> {
  const ns = nsOf(s);
  const wanted = normalizeNick(frame.nick);
  if (wanted === undefined)
    throw new ProtocolError('invalid_nick', 'Nicks are 1 to 32 printable characters.');
  // A nick fixed by the identity stays: the ack grants the one the session has.
  if (wanted === s.nick || s.identity?.nick !== undefined) {
    s.ack(frame.id, { nick: s.nick });
    return;
  }
  return rename(s, ns.name, wanted, frame.id);
}

/** Gives the session a new nick (released first, so a change of case keeps it) and tells its rooms. */
async function rename(s: Session, ns: string, wanted: string, id: number | undefined): Promise<void> {
  const { presence } = s.hub.options;
  const old = s.nick;
  await presence.releaseNick(ns, old, s.id);
  s.nick = await presence.claimNick(ns, wanted, s.id);
  if (s.isClosed) {
    await presence.releaseNick(ns, s.nick, s.id);
    return;
  }
  await Promise.all(
    [...s.rooms.keys()].map(async (room) => {
      // A rejoin under the new nick replaces the member's entry; the count stays.
      const { members } = await presence.join(ns, room, { session: s.id, nick: s.nick, node: s.hub.nodeId });
      s.hub.announce(ns, room, 'leave', old, s.id, members, s.nick);
      s.hub.announce(ns, room, 'join', s.nick, s.id, members, old);
    }),
  );
  s.ack(id, { nick: s.nick });
}

async function who(s: Session, frame: Extract<ClientFrame, { type: 'who' }>): Promise<void> {
  const ns = nsOf(s);
  checkRoom(frame.room);
  s.ack(frame.id, { members: await s.hub.members(ns, frame.room) });
}

function history(s: Session, frame: Extract<ClientFrame, { type: 'history' }>): Promise<void> {
  checkRoom(frame.room);
  return page(s, frame);
}

async function page(s: Session, frame: Extract<ClientFrame, { type: 'history' }>): Promise<void> {
  const ns = nsOf(s);
  if (frame.after !== undefined) return pull(s, frame, frame.after);
  const { messages } = await s.hub.options.log
    .range(ns.name, frame.room, {
      limit: frame.limit ?? LIMITS.historyDefault,
      ...(frame.before === undefined ? {} : { before: frame.before }),
    })
    .catch((e: unknown) => historyFailed(s, e));
  // Bounded in bytes as well: the newest that fit are kept, and `more` says to ask again before them.
  const { sent, cut } = fitPage(s, [...messages].reverse());
  s.ack(frame.id, { messages: sent.reverse().map(toWire), ...(cut ? { more: true } : {}) });
}

/** Answers `history {after}`: the next page forward, ending a paged replay when it reaches the latest. */
async function pull(
  s: Session,
  frame: Extract<ClientFrame, { type: 'history' }>,
  after: number,
): Promise<void> {
  const ns = nsOf(s);
  const limit = Math.min(frame.limit ?? replayPageSize(s), LIMITS.historyMax);
  const { messages } = await s.hub.options.log
    .range(ns.name, frame.room, { after, limit })
    .catch((e: unknown) => historyFailed(s, e));
  const { sent, cut } = fitPage(s, messages);
  const readTo = sent.at(-1)?.seq ?? after;
  const full = cut || messages.length === limit;
  const membership = s.rooms.get(frame.room);
  const more = membership?.pulling !== undefined ? settlePull(membership, readTo, full) : full;
  s.ack(frame.id, { messages: sent.map(toWire), more });
}

function ping(s: Session, frame: Extract<ClientFrame, { type: 'ping' }>): void {
  s.ack(frame.id, { serverTime: s.hub.options.clock() });
}

function refresh(s: Session, frame: Extract<ClientFrame, { type: 'refresh' }>): Promise<void> {
  const { authenticate } = s.hub.options;
  if (!authenticate || !s.identity)
    throw new ProtocolError(
      'unauthorized',
      'This server does not authenticate; there is nothing to refresh.',
    );
  return reauthenticate(s, frame, authenticate);
}

async function reauthenticate(
  s: Session,
  frame: Extract<ClientFrame, { type: 'refresh' }>,
  authenticate: Authenticate,
): Promise<void> {
  const ns = nsOf(s);
  const result = await authenticate({ handshake: undefined, token: frame.token, ns: ns.name, nick: s.nick });
  if (s.isClosed) return;
  const next = refreshed(s.identity, result);
  // A refused refresh leaves the old identity in place: the session still ends at its old expiry.
  if (next instanceof ProtocolError) throw next;
  s.hub.identify(s, next);
  for (const room of [...s.rooms.keys()]) {
    if (allowsRoom(next, room)) continue;
    s.leaveRoom(room);
    s.error('forbidden_room', `${forbiddenRoom(room).message} The refreshed token dropped it; you left it.`);
  }
  s.ack(frame.id, next.expiresAt === undefined ? {} : { expiresAt: next.expiresAt });
}

function quit(s: Session, frame: Extract<ClientFrame, { type: 'quit' }>): void {
  s.quit(frame.id);
}

/** The request handlers, by frame type. */
export const handlers: { [K in ClientFrameType]: Handler<K> } = {
  hello,
  join,
  leave,
  say,
  emit,
  nick,
  who,
  history,
  ping,
  refresh,
  quit,
};
