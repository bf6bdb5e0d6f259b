import { clean, type Frame, roomsLine } from './render.js';

// What a person types into a chat line interface, read the same way by `switchboard chat` and by TCP
// text mode: plain lines are said in the current room, slash commands do the rest.

/** The commands of a chat line interface, as help lines. */
export const HELP_LINES: readonly string[] = [
  '* Type a line to say it in the current room. Commands:',
  '*   /join ROOM    join a room and talk there',
  '*   /leave [ROOM] leave a room (the current one by default)',
  '*   /nick NAME    change your nick',
  '*   /who [ROOM]   who is in a room',
  '*   /rooms        the rooms you are in',
  '*   /quit         leave',
];

/** A typed line split into a slash command and its argument; undefined for a plain line. */
export function parseCommand(line: string): { name: string; arg: string } | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('/')) return undefined;
  const space = trimmed.indexOf(' ');
  return {
    name: (space === -1 ? trimmed : trimmed.slice(0, space)).toLowerCase(),
    arg: space === -1 ? '' : trimmed.slice(space + 1).trim(),
  };
}

/** A request a typed line makes (without its id). */
export type TypedRequest =
  | { type: 'say'; room: string; text: string }
  | { type: 'join' | 'leave' | 'who'; room: string }
  | { type: 'nick'; nick: string };

/** What a typed line asks for: nothing, lines to show the person, a request to send, or to quit. */
export type Typed =
  | { kind: 'nothing' }
  | { kind: 'print'; lines: readonly string[] }
  | { kind: 'request'; request: TypedRequest }
  | { kind: 'quit' };

const print = (...lines: string[]): Typed => ({ kind: 'print', lines });
const send = (request: TypedRequest): Typed => ({ kind: 'request', request });

/** Reads one typed line, given the current room and the rooms joined. */
export function readLine(line: string, current: string | undefined, rooms: readonly string[]): Typed {
  if (line.trim() === '') return { kind: 'nothing' };
  const command = parseCommand(line);
  if (!command) {
    return current === undefined
      ? print('! You are in no room: /join ROOM first.')
      : send({ type: 'say', room: current, text: line });
  }
  const { name, arg } = command;
  const room = arg || current;
  switch (name) {
    case '/quit':
      return { kind: 'quit' };
    case '/help':
      return print(...HELP_LINES);
    case '/rooms':
      return print(roomsLine(rooms, current));
    case '/join':
      return arg ? send({ type: 'join', room: arg }) : print('! Usage: /join ROOM');
    case '/nick':
      return arg ? send({ type: 'nick', nick: arg }) : print('! Usage: /nick NAME');
    case '/leave':
    case '/who':
      return room
        ? send({ type: name === '/leave' ? 'leave' : 'who', room })
        : print(`! Usage: ${name} ROOM`);
    default:
      return print(`! Unknown command ${clean(name)}; /help lists them.`);
  }
}

/**
 * The room plain lines go to once a typed request is answered, given the rooms joined after it: a join
 * makes its room current, leaving the current room falls back to the last one joined, and a failed join
 * of a room made current in advance (the first room) gives it up.
 */
export function currentAfter(
  request: Frame,
  reply: Frame,
  current: string | undefined,
  rooms: readonly string[],
): string | undefined {
  const room = String(request.room);
  if (reply.type === 'error') {
    return request.type === 'join' && current === room && !rooms.includes(room) ? rooms.at(-1) : current;
  }
  if (request.type === 'join') return room;
  if (request.type === 'leave' && current === room) return rooms.at(-1);
  return current;
}
