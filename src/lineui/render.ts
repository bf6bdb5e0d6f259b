/** A server frame as a line interface reads it. */
export type Frame = { type: string; [key: string]: unknown };

const str = (v: unknown): string => (typeof v === 'string' ? v : String(v));

/** Control characters other people sent are shown escaped so they cannot drive the reader's terminal. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Text from other people, made safe for a terminal line. */
export function clean(text: string): string {
  return text.replace(CONTROL, (c) =>
    c === '\n' ? ' / ' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * The line for a server event (not an ack) in a chat line interface, or undefined when a person need not see it.
 * Messages read `[lobby] alice: hello`; notices start with `*`, problems with `!`.
 */
export function renderEvent(frame: Frame): string | undefined {
  switch (frame.type) {
    case 'message':
      return `[${str(frame.room)}] ${clean(str(frame.from))}${frame.bot === true ? ' (bot)' : ''}: ${clean(str(frame.text))}`;
    case 'presence': {
      const nick = clean(str(frame.nick));
      const here = `(${str(frame.members)} here)`;
      if (frame.renamed !== undefined) {
        // A rename arrives as a leave and a join; one line tells it.
        return frame.event === 'leave' ? `* ${nick} is now ${clean(str(frame.renamed))}` : undefined;
      }
      return frame.event === 'join'
        ? `* ${nick} joined ${str(frame.room)} ${here}`
        : `* ${nick} left ${str(frame.room)} ${here}`;
    }
    case 'event':
      return `[${str(frame.room)}] * ${clean(str(frame.from))} ${clean(str(frame.event))} ${clean(JSON.stringify(frame.data) ?? '')}`;
    case 'error':
      return `! ${str(frame.code)}: ${str(frame.message)}`;
    case 'gap':
      return frame.reason === 'epoch'
        ? `! [${str(frame.room)}] the history was reset; earlier messages are gone`
        : `! [${str(frame.room)}] messages ${str(frame.from)} to ${str(frame.to)} are no longer available`;
    case 'bye':
      return `* bye (${str(frame.code)}): ${str(frame.message)}`;
    case 'transport':
    case 'resumed':
      return undefined;
    default:
      return JSON.stringify(frame);
  }
}

/** History lines shown on joining a room. */
const JOIN_HISTORY_LINES = 10;

const names = (v: unknown): string => (Array.isArray(v) ? v.map((n) => clean(String(n))).join(', ') : '');

/** The lines for a join ack: who is there, then the last few messages. */
function joinedLines(room: string, ack: Frame): string[] {
  const members = Array.isArray(ack.members) ? ack.members.length : 0;
  const history = Array.isArray(ack.history) ? (ack.history as Frame[]).slice(-JOIN_HISTORY_LINES) : [];
  return [
    `* You joined ${room} (${members} here: ${names(ack.members)}).`,
    ...history.map((m) => renderEvent({ ...m, type: 'message' }) ?? ''),
  ];
}

/** The line for a `who` answer. */
function whoLine(room: string, members: unknown): string {
  return `* In ${room}: ${names(members)}.`;
}

/** The line listing the rooms a person is in, marking the current one. */
export function roomsLine(rooms: readonly string[], current: string | undefined): string {
  if (rooms.length === 0) return '* You are in no room.';
  return `* Your rooms: ${rooms.map((r) => (r === current ? `${r} (current)` : r)).join(', ')}.`;
}

/** The line after leaving a room. */
function leftLine(room: string, current: string | undefined): string {
  const now = current === undefined ? '/join ROOM to talk again' : `now talking in ${current}`;
  return `* You left ${room}; ${now}.`;
}

/**
 * The lines for the ack of a request a person typed (join, leave, who, nick), given the room that is
 * current after it; none for a `say`, whose own message comes back as a `message`.
 */
export function replyLines(request: Frame, ack: Frame, current: string | undefined): string[] {
  const room = str(request.room);
  switch (request.type) {
    case 'join':
      return joinedLines(room, ack);
    case 'leave':
      return [leftLine(room, current)];
    case 'who':
      return [whoLine(room, ack.members)];
    case 'nick':
      return [`* You are now ${clean(str(ack.nick))}.`];
    default:
      return [];
  }
}
