import { type ChatMessage, type ClientError, connect, type SwitchboardClient } from './client/index.js';
import { badgeText, badgeTitle } from './ui/badge.js';
import { byId } from './ui/dom.js';
import { RoomView } from './ui/room-view.js';

// The chat page: wires the client library to the DOM. Page parameters: ?nick=, ?room=, ?transport=
// (read by the client), ?demotionMs= (how long a demotion lasts), ?timeoutMs= (how long WebSocket and SSE
// may take before the next transport is tried).

declare global {
  interface Window {
    /** The page's client, for the console and the end-to-end tests. */
    switchboard: SwitchboardClient;
  }
}

const NICK_KEY = 'switchboard.nick';
const ROOMS_KEY = 'switchboard.rooms';
const params = new URLSearchParams(location.search);

const badge = byId<HTMLSpanElement>('badge');
const forcePolling = byId<HTMLInputElement>('force-polling');
const nickInput = byId<HTMLInputElement>('nick');
const roomInput = byId<HTMLInputElement>('room');
const textInput = byId<HTMLInputElement>('text');
const sendButton = byId<HTMLButtonElement>('send');
const log = byId<HTMLDivElement>('log');
const roomTabs = byId<HTMLUListElement>('rooms');
const members = byId<HTMLUListElement>('members');
const memberCount = byId<HTMLSpanElement>('member-count');
const roomTitle = byId<HTMLHeadingElement>('room-title');
const announcer = byId<HTMLDivElement>('announcer');

function storedNick(): string | undefined {
  try {
    return localStorage.getItem(NICK_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** The rooms this browser was in, in the order joined, so a reload joins them again. */
function storedRooms(): string[] {
  try {
    const rooms: unknown = JSON.parse(localStorage.getItem(ROOMS_KEY) ?? '[]');
    return Array.isArray(rooms) ? rooms.filter((r): r is string => typeof r === 'string') : [];
  } catch {
    return [];
  }
}

function storeRooms(): void {
  try {
    localStorage.setItem(ROOMS_KEY, JSON.stringify([...views.keys()]));
  } catch {
    // Storage may be unavailable or full: the rooms are then remembered for this page only.
  }
}

const askedNick = params.get('nick') ?? storedNick();
const demotionMs = Number(params.get('demotionMs'));
const timeoutMs = Number(params.get('timeoutMs'));
const heartbeatMs = Number(params.get('heartbeatMs'));
const client = connect({
  nick: askedNick,
  ...(demotionMs > 0 ? { demotionMs } : {}),
  // A test that must show which check found a dead link sets the periodic one out of its way.
  ...(heartbeatMs > 0 ? { heartbeatMs } : {}),
  // How long WebSocket and SSE may take before the next transport is tried (tests behind broken proxies).
  ...(timeoutMs > 0 ? { websocketTimeoutMs: timeoutMs, sseTimeoutMs: timeoutMs } : {}),
});
// The diagnostics page tries the transports the same way, so it keeps this page's parameters.
byId<HTMLAnchorElement>('diagnostics-link').search = location.search;
window.switchboard = client;

const views = new Map<string, RoomView>();
let current: RoomView | undefined;
let joinedOnce = false;

const hooks = {
  nick: () => client.nick ?? 'you',
  retry: (cid: string) => {
    client.retry(cid).catch(() => undefined);
  },
  discard: (cid: string) => client.discard(cid),
};

function renderBadge(): void {
  badge.textContent = badgeText(client.state, client.transport);
  badge.dataset.state = client.state;
  badge.dataset.transport = client.transport ?? '';
  badge.title = badgeTitle(client.negotiation);
  forcePolling.checked = client.negotiation.mode === 'polling';
}

function announce(text: string): void {
  // A fresh node per announcement makes screen readers read each one.
  announcer.replaceChildren(document.createTextNode(text));
}

function renderMembers(): void {
  members.replaceChildren(...(current?.memberItems() ?? []));
  memberCount.textContent = current ? `(${current.members.size})` : '';
}

function renderTabs(): void {
  roomTabs.replaceChildren(
    ...[...views.values()].map((view) => {
      const li = document.createElement('li');
      const open = document.createElement('button');
      open.type = 'button';
      open.className = 'room-tab';
      open.textContent = view.unread > 0 ? `${view.name} (${view.unread})` : view.name;
      open.dataset.room = view.name;
      if (view === current) open.setAttribute('aria-current', 'true');
      open.addEventListener('click', () => show(view.name));
      const leave = document.createElement('button');
      leave.type = 'button';
      leave.className = 'leave';
      leave.textContent = '×';
      leave.setAttribute('aria-label', `Leave ${view.name}`);
      leave.addEventListener('click', () => leaveRoom(view.name));
      li.append(open, leave);
      return li;
    }),
  );
}

function show(room: string | undefined): void {
  current = room === undefined ? undefined : views.get(room);
  if (current) current.unread = 0;
  log.replaceChildren(...(current ? [current.log] : []));
  roomTitle.textContent = current ? `#${current.name}` : 'No room';
  textInput.disabled = sendButton.disabled = !current;
  textInput.placeholder = current ? `Message #${current.name} (Enter to send)` : 'Join a room first';
  renderTabs();
  renderMembers();
  current?.log.lastElementChild?.scrollIntoView({ block: 'end' });
}

function viewOf(room: string): RoomView | undefined {
  return views.get(room);
}

function scrollIfCurrent(view: RoomView): void {
  if (view === current) view.log.lastElementChild?.scrollIntoView({ block: 'end' });
}

async function joinRoom(room: string): Promise<void> {
  if (views.has(room)) {
    show(room);
    return;
  }
  const view = new RoomView(room, hooks);
  views.set(room, view);
  show(room);
  try {
    const result = await client.join(room);
    for (const message of result.history) view.addMessage(message);
    view.setMembers(result.members);
    if (view === current) renderMembers();
    storeRooms();
    scrollIfCurrent(view);
  } catch (error) {
    views.delete(room);
    storeRooms();
    show(views.keys().next().value);
    current?.notice(`Cannot join ${room}: ${(error as ClientError).message}`);
  }
}

/** Joins the remembered rooms and the one of `?room=` (shown), or the lobby when there are none. */
async function joinRooms(): Promise<void> {
  const asked = params.get('room');
  const rooms = storedRooms();
  const first = asked ?? rooms[0] ?? 'lobby';
  for (const room of rooms) if (room !== first) views.set(room, new RoomView(room, hooks));
  await Promise.all([joinRoom(first), ...rooms.filter((r) => r !== first).map((r) => rejoin(r))]);
  show(first);
}

/** Joins a room whose view exists already (a remembered one), without showing it. */
async function rejoin(room: string): Promise<void> {
  const view = views.get(room);
  if (!view) return;
  try {
    const result = await client.join(room);
    for (const message of result.history) view.addMessage(message);
    view.setMembers(result.members);
  } catch {
    views.delete(room);
  }
  storeRooms();
  renderTabs();
}

function takenNotice(asked: string, granted: string): string {
  return `The nick ${asked} is taken: you asked for ${asked} and got ${granted}.`;
}

function leaveRoom(room: string): void {
  views.delete(room);
  storeRooms();
  client.leave(room).catch(() => undefined);
  if (current?.name === room) show(views.keys().next().value);
  else renderTabs();
}

client.on('state', renderBadge);
client.on('transport', renderBadge);
client.on('demoted', renderBadge);
client.on('welcome', (welcome) => {
  renderBadge();
  nickInput.value = welcome.nick;
  if (!joinedOnce) {
    joinedOnce = true;
    const taken = askedNick !== undefined && askedNick !== null && askedNick !== welcome.nick;
    void joinRooms().then(() => {
      if (taken) current?.notice(takenNotice(askedNick, welcome.nick));
    });
  }
});
client.on('nick', (nick) => {
  nickInput.value = nick;
});

client.on('message', (message: ChatMessage) => {
  const view = viewOf(message.room);
  if (!view?.addMessage(message)) return;
  if (view === current) scrollIfCurrent(view);
  else {
    view.unread++;
    renderTabs();
  }
  if (message.from !== client.nick) announce(`${message.from} in ${message.room}: ${message.text}`);
});

client.on('outgoing', (update) => {
  const view = viewOf(update.room);
  if (!view) return;
  view.updateOutgoing(update);
  scrollIfCurrent(view);
});

client.on('members', ({ room, members: nicks }) => {
  const view = viewOf(room);
  if (!view) return;
  view.setMembers(nicks);
  if (view === current) renderMembers();
});

client.on('presence', (presence) => {
  const view = viewOf(presence.room);
  if (!view) return;
  if (presence.event === 'join') {
    view.members.add(presence.nick);
    if (presence.renamed !== undefined) {
      view.members.delete(presence.renamed);
      view.notice(`${presence.renamed} is now known as ${presence.nick}`);
    } else {
      view.notice(`${presence.nick} joined`);
    }
  } else {
    view.members.delete(presence.nick);
    if (presence.renamed === undefined) view.notice(`${presence.nick} left`);
  }
  if (view === current) renderMembers();
  scrollIfCurrent(view);
});

client.on('gap', (gap) => {
  const view = viewOf(gap.room);
  if (!view) return;
  view.notice(
    gap.reason === 'epoch'
      ? 'The server started a new history for this room: earlier messages may be missing.'
      : `Messages ${gap.from}–${gap.to} are no longer available.`,
  );
  scrollIfCurrent(view);
});

client.on('error', (error) => current?.notice(`Error: ${error.message}`));
client.on('bye', (bye) => current?.notice(`Disconnected by the server: ${bye.message}`));

byId<HTMLFormElement>('nick-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const nick = nickInput.value.trim();
  if (!nick) return;
  try {
    localStorage.setItem(NICK_KEY, nick);
  } catch {
    // Storage may be unavailable; the nick still applies to this session.
  }
  const old = client.nick;
  client.setNick(nick).then(
    (granted) => {
      for (const view of views.values()) {
        if (old !== undefined) view.members.delete(old);
        view.members.add(granted);
        // The server tells the others of a rename, not the one who renamed.
        if (granted !== old) view.notice(`You are now known as ${granted}`);
      }
      if (granted !== nick) current?.notice(takenNotice(nick, granted));
      renderMembers();
    },
    (error: ClientError) => current?.notice(`Nick not changed: ${error.message}`),
  );
});

byId<HTMLFormElement>('join-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const room = roomInput.value.trim();
  if (room) void joinRoom(room);
});

byId<HTMLFormElement>('composer').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = textInput.value;
  if (!current || text.trim() === '') return;
  const view = current;
  client.say(view.name, text).catch(() => undefined);
  textInput.value = '';
});

forcePolling.addEventListener('change', () => {
  const url = new URL(location.href);
  if (forcePolling.checked) url.searchParams.set('transport', 'polling');
  else url.searchParams.delete('transport');
  history.replaceState(null, '', url);
  client.setTransportMode(forcePolling.checked ? 'polling' : 'auto');
  renderBadge();
});

renderBadge();
show(undefined);
