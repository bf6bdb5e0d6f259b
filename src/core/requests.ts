import type { RoomInfo, StoredMessage } from '../history/history.js';
import type { Authenticate, AuthResult, Identity } from '../ports/admission.js';
import { ProtocolError } from '../protocol/errors.js';
import { LIMITS } from '../protocol/limits.js';
import { isValidNamespace, isValidRoom, isValidText, normalizeNick } from '../protocol/names.js';
import type { ClientFrame, ClientFrameType, HelloFrame, ResumedRoom } from '../protocol/schemas.js';
import { allowsRoom, forbiddenRoom, refreshed, refusalError } from './auth-state.js';
import { SUPPORTED_CAPS } from './hub.js';
import { fitPage, replayPageSize, settlePull } from './replay-pages.js';
import type { Membership, Session } from './session.js';
import { toWire } from './wire.js';

type Handler<T extends ClientFrameType> = (
  s: Session,
  frame: Extract<ClientFrame, { type: T }>,
) => void | Promise<void>;

const SESSION_ID_RE = /^s_[A-Za-z0-9_-]{8,60}$/;
/** How deeply `emit` data may nest: deeper JSON cannot be re-encoded safely for relay. */
const MAX_DATA_DEPTH = 64;
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

/** Adds the session to a room (held back until caught up) and tells the room. */
function enter(s: Session, room: string): Membership {
  const ns = nsOf(s);
  const membership: Membership = { lastSeq: 0, buffer: [] };
  s.rooms.set(room, membership);
  s.hub.addMember(ns, room, s);
  s.announce(room, 'join', s.nick);
  return membership;
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
  if (s.hub.options.authenticate) {
    s.welcoming();
    const identity = await authenticateHello(s, frame, nsName, requested);
    if (!identity) return;
    s.hub.identify(s, identity);
  }
  const ns = s.hub.namespace(nsName);
  const wanted = frame.resume?.session;
  const held = wanted === undefined ? undefined : ns.sessions.get(wanted);
  // A session id is taken over only by the same subject: another identity gets a session of its own.
  const mayResume = !held || held.identity?.subject === s.identity?.subject;
  s.id = wanted !== undefined && SESSION_ID_RE.test(wanted) && mayResume ? wanted : s.hub.options.newId('s');
  ns.sessions.get(s.id)?.bye('kicked', 'This session was resumed on another connection.');
  ns.sessions.set(s.id, s);
  s.ns = ns;
  // An identity's nick is the nick: what hello asks for is ignored.
  s.nick = ns.nicks.claim(s.identity?.nick ?? requested);
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
  frame: HelloFrame,
  nsName: string,
  nick: string | undefined,
): Promise<Identity | undefined> {
  const authenticate = s.hub.options.authenticate as Authenticate;
  const handshake = s.handshake;
  s.handshake = undefined;
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
  // The hello frame's size bounds how many rooms a resume can name; a bad name is told, not dropped silently.
  const entries = Object.entries(wanted).filter(([room]) => {
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
  const pending = entries.map(([room, from]) => {
    const membership = enter(s, room);
    return replay(s, ns.name, room, from, membership);
  });
  return Promise.all(pending).then((done) => Object.fromEntries(done.filter((d) => d !== undefined)));
}

async function replay(
  s: Session,
  ns: string,
  room: string,
  from: { epoch: string; seq: number },
  membership: Membership,
): Promise<[string, ResumedRoom] | undefined> {
  const history = s.hub.options.history;
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
  return admit(s, frame, existing, existing ?? enter(s, frame.room));
}

async function admit(
  s: Session,
  frame: Extract<ClientFrame, { type: 'join' }>,
  existing: Membership | undefined,
  membership: Membership,
): Promise<void> {
  const ns = nsOf(s);
  let result: Awaited<ReturnType<typeof s.hub.options.history.range>>;
  try {
    result = await s.hub.options.history.range(ns.name, frame.room, { limit: LIMITS.joinHistory });
  } catch (error) {
    if (!existing && s.rooms.get(frame.room) === membership) s.leaveRoom(frame.room);
    historyFailed(s, error);
  }
  if (s.rooms.get(frame.room) !== membership) return;
  const { info, messages } = result;
  if (!existing) membership.lastSeq = info.seq;
  s.ack(frame.id, {
    members: s.hub.members(ns, frame.room),
    epoch: info.epoch,
    seq: info.seq,
    history: messages.map(toWire),
  });
  if (!existing) s.catchUp(membership);
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
  return store(s, frame);
}

async function store(s: Session, frame: Extract<ClientFrame, { type: 'say' }>): Promise<void> {
  const ns = nsOf(s);
  const { history, bus, clock, newId } = s.hub.options;
  const { message, duplicate } = await history
    .append(ns.name, frame.room, {
      room: frame.room,
      msgId: newId('m'),
      from: s.nick,
      text: frame.text,
      ts: clock(),
      ...(frame.cid === undefined ? {} : { cid: frame.cid }),
      session: s.id,
    })
    .catch((e: unknown) => historyFailed(s, e));
  s.ack(frame.id, { seq: message.seq, msgId: message.msgId });
  if (!duplicate) bus.publish({ kind: 'message', ns: ns.name, message });
}

/** True when `value` nests arrays and objects deeper than `max` (checked without recursion). */
function tooDeep(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (typeof item !== 'object' || item === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}

function emit(s: Session, frame: Extract<ClientFrame, { type: 'emit' }>): void {
  const ns = nsOf(s);
  membershipOf(s, frame.room);
  if (tooDeep(frame.data, MAX_DATA_DEPTH)) {
    throw new ProtocolError(
      'bad_frame',
      `Bad "emit" frame: /data nests deeper than ${MAX_DATA_DEPTH} levels.`,
    );
  }
  s.hub.options.bus.publish({
    kind: 'event',
    ns: ns.name,
    room: frame.room,
    event: frame.event,
    data: frame.data ?? null,
    from: s.nick,
    session: s.id,
  });
  s.ack(frame.id);
}

function nick(s: Session, frame: Extract<ClientFrame, { type: 'nick' }>): void {
  const ns = nsOf(s);
  const wanted = normalizeNick(frame.nick);
  if (wanted === undefined)
    throw new ProtocolError('invalid_nick', 'Nicks are 1 to 32 printable characters.');
  // A nick fixed by the identity stays: the ack grants the one the session has.
  if (wanted === s.nick || s.identity?.nick !== undefined) {
    s.ack(frame.id, { nick: s.nick });
    return;
  }
  const old = s.nick;
  ns.nicks.release(old);
  s.nick = ns.nicks.claim(wanted);
  for (const room of s.rooms.keys()) {
    s.announce(room, 'leave', old, s.nick);
    s.announce(room, 'join', s.nick, old);
  }
  s.ack(frame.id, { nick: s.nick });
}

function who(s: Session, frame: Extract<ClientFrame, { type: 'who' }>): void {
  const ns = nsOf(s);
  checkRoom(frame.room);
  s.ack(frame.id, { members: s.hub.members(ns, frame.room) });
}

function history(s: Session, frame: Extract<ClientFrame, { type: 'history' }>): Promise<void> {
  checkRoom(frame.room);
  return page(s, frame);
}

async function page(s: Session, frame: Extract<ClientFrame, { type: 'history' }>): Promise<void> {
  const ns = nsOf(s);
  if (frame.after !== undefined) return pull(s, frame, frame.after);
  const { messages } = await s.hub.options.history
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
  const { messages } = await s.hub.options.history
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
};
