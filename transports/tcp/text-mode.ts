import {
  clean,
  type Frame,
  HELP_LINES,
  joinedLines,
  leftLine,
  parseCommand,
  renderEvent,
  roomsLine,
  whoLine,
} from '../../src/client/render.js';

/** What text mode needs from its connection. */
export interface TextModeIo {
  /** Hands a JSON frame to the hub, as if the peer had sent it. */
  send(json: string): void;
  /** Writes lines to the person now (help, local notices). */
  print(lines: readonly string[]): void;
  /** Ends the connection. */
  quit(): void;
}

type Pending = { kind: 'join' | 'leave' | 'nick' | 'who' | 'say'; room?: string };

/** The room a person is in after choosing a nick. */
export const START_ROOM = 'lobby';

/** The line the server greets every TCP connection with (JSON clients skip lines not starting with `{`). */
export const GREETING = '* Switchboard. Type a nick and press Enter to chat (/help for commands).';

/**
 * Text mode for a person at `nc`: turns typed lines into protocol frames for the hub, and the hub's frames
 * into readable lines. The hub never knows; to it this is one more client speaking v1.
 */
export class TextMode {
  private named = false;
  private current: string | undefined;
  private readonly rooms: string[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly io: TextModeIo) {}

  /** Handles one line the person typed (CR already stripped). */
  input(line: string): void {
    const trimmed = line.trim();
    if (trimmed === '') return;
    const command = parseCommand(trimmed);
    if (trimmed.startsWith('{')) {
      this.io.send(line);
    } else if (command) {
      this.command(command.name, command.arg);
    } else if (!this.named) {
      this.named = true;
      this.io.send(JSON.stringify({ type: 'hello', v: 1, nick: trimmed }));
      // The hub handles frames in order, so the join and any line typed next need not wait for welcome.
      this.current = START_ROOM;
      this.request({ type: 'join', room: START_ROOM }, { kind: 'join', room: START_ROOM });
    } else if (this.current === undefined) {
      this.io.print(['! You are in no room: /join ROOM first.']);
    } else {
      this.request({ type: 'say', room: this.current, text: line }, { kind: 'say' });
    }
  }

  /** The lines a server frame becomes (none for acks a person need not see). */
  render(frame: Frame): string[] {
    if (frame.type === 'batch' && Array.isArray(frame.frames)) {
      return (frame.frames as Frame[]).flatMap((f) => this.render(f));
    }
    if (frame.type === 'welcome') return [`* You are ${clean(String(frame.nick))}.`];
    const pending = typeof frame.id === 'number' ? this.pending.get(frame.id) : undefined;
    if (pending && typeof frame.id === 'number') this.pending.delete(frame.id);
    if (frame.type === 'ack') return pending ? this.acked(pending, frame) : [JSON.stringify(frame)];
    if (frame.type === 'error' && pending?.kind === 'join' && this.current === pending.room) {
      this.current = this.rooms.at(-1);
    }
    const line = renderEvent(frame);
    return line === undefined ? [] : [line];
  }

  private acked(pending: Pending, ack: Frame): string[] {
    const room = pending.room ?? '';
    switch (pending.kind) {
      case 'join':
        if (!this.rooms.includes(room)) this.rooms.push(room);
        this.current = room;
        return joinedLines(room, ack);
      case 'leave': {
        const at = this.rooms.indexOf(room);
        if (at !== -1) this.rooms.splice(at, 1);
        if (this.current === room) this.current = this.rooms.at(-1);
        return [leftLine(room, this.current)];
      }
      case 'nick':
        return [`* You are now ${clean(String(ack.nick))}.`];
      case 'who':
        return [whoLine(room, ack.members)];
      case 'say':
        return [];
    }
  }

  private command(name: string, arg: string): void {
    const problem = this.run(name, arg);
    if (problem) this.io.print([problem]);
  }

  /** Runs a slash command; returns a line to show when it cannot run. */
  private run(name: string, arg: string): string | undefined {
    if (name === '/help') {
      this.io.print(HELP_LINES);
      return undefined;
    }
    if (name === '/quit') {
      this.io.print(['* Bye.']);
      this.io.quit();
      return undefined;
    }
    if (!this.named) return '! Choose a nick first: type it and press Enter.';
    const room = arg || this.current;
    switch (name) {
      case '/join':
        if (!arg) return '! Usage: /join ROOM';
        this.request({ type: 'join', room: arg }, { kind: 'join', room: arg });
        return undefined;
      case '/leave':
      case '/who': {
        if (!room) return `! Usage: ${name} ROOM`;
        const kind = name === '/leave' ? 'leave' : 'who';
        this.request({ type: kind, room }, { kind, room });
        return undefined;
      }
      case '/nick':
        if (!arg) return '! Usage: /nick NAME';
        this.request({ type: 'nick', nick: arg }, { kind: 'nick' });
        return undefined;
      case '/rooms':
        return roomsLine(this.rooms, this.current);
      default:
        return `! Unknown command ${clean(name)}; /help lists them.`;
    }
  }

  private request(frame: Record<string, unknown>, pending: Pending): void {
    const id = this.nextId++;
    this.pending.set(id, pending);
    this.io.send(JSON.stringify({ ...frame, id }));
  }
}
