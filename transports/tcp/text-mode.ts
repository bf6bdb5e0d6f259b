import { currentAfter, parseCommand, readLine, type TypedRequest } from '../../src/lineui/commands.js';
import { clean, type Frame, renderEvent, replyLines } from '../../src/lineui/render.js';

/** What text mode needs from its connection. */
export interface TextModeIo {
  /** Hands a JSON frame to the hub, as if the peer had sent it. */
  send(json: string): void;
  /** Writes lines to the person now (help, local notices). */
  print(lines: readonly string[]): void;
  /** Ends the connection. */
  quit(): void;
}

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
  /** Requests sent for the person, by id, until answered. */
  private readonly pending = new Map<number, TypedRequest>();
  /** Far above the small ids a person types in a JSON line, so the two never meet. */
  private nextId = 2 ** 52;

  constructor(private readonly io: TextModeIo) {}

  /** Handles one line the person typed (CR already stripped). */
  input(line: string): void {
    const trimmed = line.trim();
    if (trimmed === '') return;
    if (trimmed.startsWith('{')) {
      this.io.send(line);
      return;
    }
    if (!this.named) {
      const command = parseCommand(trimmed)?.name;
      if (command === undefined) {
        this.greet(trimmed);
        return;
      }
      if (command !== '/help' && command !== '/quit') {
        this.io.print(['! Choose a nick first: type it and press Enter.']);
        return;
      }
    }
    const typed = readLine(line, this.current, this.rooms);
    if (typed.kind === 'print') this.io.print(typed.lines);
    else if (typed.kind === 'request') this.request(typed.request);
    else if (typed.kind === 'quit') {
      this.io.print(['* Bye.']);
      this.io.quit();
    }
  }

  /** The lines a server frame becomes (none for acks a person need not see). */
  render(frame: Frame): string[] {
    if (frame.type === 'batch' && Array.isArray(frame.frames)) {
      return (frame.frames as Frame[]).flatMap((f) => this.render(f));
    }
    if (frame.type === 'welcome') return [`* You are ${clean(String(frame.nick))}.`];
    const pending = typeof frame.id === 'number' ? this.pending.get(frame.id) : undefined;
    if (pending && (frame.type === 'ack' || frame.type === 'error')) {
      this.pending.delete(frame.id as number);
      this.answered(pending, frame);
      if (frame.type === 'ack') return replyLines(pending, frame, this.current);
    } else if (frame.type === 'ack' || (frame.type === 'error' && typeof frame.id === 'number')) {
      // The answer to a JSON line the person typed: shown as JSON, id and all.
      return [JSON.stringify(frame)];
    }
    const line = renderEvent(frame);
    return line === undefined ? [] : [line];
  }

  /** The first plain line is the nick: hello, then the start room. */
  private greet(nick: string): void {
    this.named = true;
    this.io.send(JSON.stringify({ type: 'hello', v: 1, nick }));
    // The hub handles frames in order, so the join and any line typed next need not wait for welcome.
    this.current = START_ROOM;
    this.request({ type: 'join', room: START_ROOM });
  }

  /** Keeps the rooms joined and the current one in step with the answers. */
  private answered(request: TypedRequest, reply: Frame): void {
    if (reply.type === 'ack' && 'room' in request) {
      const at = this.rooms.indexOf(request.room);
      if (request.type === 'join' && at === -1) this.rooms.push(request.room);
      if (request.type === 'leave' && at !== -1) this.rooms.splice(at, 1);
    }
    this.current = currentAfter(request, reply, this.current, this.rooms);
  }

  private request(request: TypedRequest): void {
    const id = this.nextId++;
    this.pending.set(id, request);
    this.io.send(JSON.stringify({ ...request, id }));
  }
}
