import { Socket } from 'engine.io-client';

// The minimal chat page: engine.io-client with the default upgrade path, one room at a time.

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const badge = $<HTMLSpanElement>('badge');
const messages = $<HTMLOListElement>('messages');
const members = $<HTMLUListElement>('members');
const nickInput = $<HTMLInputElement>('nick');
const roomInput = $<HTMLInputElement>('room');
const textInput = $<HTMLInputElement>('text');

type Frame = { type: string; [key: string]: unknown };

let nextId = 1;
let room = '';
const pending = new Map<number, (frame: Frame) => void>();
const memberSet = new Set<string>();
const socket = new Socket(location.origin, { path: '/engine.io/' });

function send(frame: Frame, onReply?: (frame: Frame) => void): void {
  if (onReply) {
    const id = nextId++;
    pending.set(id, onReply);
    socket.send(JSON.stringify({ ...frame, id }));
  } else {
    socket.send(JSON.stringify(frame));
  }
}

function setBadge(state: string, transport?: string): void {
  badge.dataset.state = state;
  badge.textContent = transport ? (transport === 'websocket' ? 'WebSocket' : 'long-polling') : state;
}

function line(parts: { meta?: string; from?: string; text: string; notice?: boolean }): void {
  const li = document.createElement('li');
  if (parts.meta)
    li.append(Object.assign(document.createElement('span'), { className: 'meta', textContent: parts.meta }));
  if (parts.from)
    li.append(Object.assign(document.createElement('span'), { className: 'from', textContent: parts.from }));
  li.append(
    Object.assign(document.createElement('span'), {
      className: parts.notice ? 'notice' : '',
      textContent: parts.text,
    }),
  );
  messages.append(li);
  messages.scrollTop = messages.scrollHeight;
}

function renderMembers(): void {
  members.replaceChildren(
    ...[...memberSet].sort().map((n) => Object.assign(document.createElement('li'), { textContent: n })),
  );
}

function showMessage(m: Frame): void {
  const time = new Date(m.ts as number).toLocaleTimeString();
  line({ meta: time, from: String(m.from), text: String(m.text) });
}

function joinRoom(name: string): void {
  if (room) send({ type: 'leave', room });
  room = name;
  messages.replaceChildren();
  send({ type: 'join', room }, (ack) => {
    if (ack.type === 'error') return line({ text: `Cannot join: ${ack.message}`, notice: true });
    memberSet.clear();
    for (const n of ack.members as string[]) memberSet.add(n);
    renderMembers();
    for (const m of ack.history as Frame[]) showMessage(m);
  });
}

socket.on('open', () => {
  setBadge('connecting');
  send({ type: 'hello', v: 1, nick: nickInput.value || localStorage.getItem('nick') || undefined });
});
socket.on('upgrade', () => setBadge('open', socket.transport.name));
socket.on('close', () => setBadge('offline'));
socket.on('message', (data) => {
  const frame = JSON.parse(String(data)) as Frame;
  switch (frame.type) {
    case 'welcome':
      nickInput.value = String(frame.nick);
      setBadge('open', String(frame.transport));
      joinRoom(roomInput.value || 'lobby');
      break;
    case 'transport':
      setBadge('open', String(frame.transport));
      break;
    case 'message':
      if (frame.room === room) showMessage(frame);
      break;
    case 'presence':
      if (frame.room !== room) break;
      if (frame.event === 'join') memberSet.add(String(frame.nick));
      else memberSet.delete(String(frame.nick));
      renderMembers();
      line({ text: `${frame.nick} ${frame.event === 'join' ? 'joined' : 'left'}`, notice: true });
      break;
    case 'ack':
    case 'error': {
      const reply = pending.get(frame.id as number);
      if (reply) {
        pending.delete(frame.id as number);
        reply(frame);
      } else if (frame.type === 'error') {
        line({ text: `Error: ${frame.message}`, notice: true });
      }
      break;
    }
  }
});

$<HTMLFormElement>('login').addEventListener('submit', (e) => {
  e.preventDefault();
  const nick = nickInput.value.trim();
  if (nick) {
    localStorage.setItem('nick', nick);
    send({ type: 'nick', nick }, (ack) => {
      if (ack.type === 'ack') nickInput.value = String(ack.nick);
    });
  }
  if (roomInput.value !== room) joinRoom(roomInput.value);
});

$<HTMLFormElement>('composer').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = textInput.value;
  if (!text || !room) return;
  textInput.value = '';
  send({ type: 'say', room, text }, (ack) => {
    if (ack.type === 'error') line({ text: `Not sent: ${ack.message}`, notice: true });
  });
});
