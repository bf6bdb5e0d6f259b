import { createInterface } from 'node:readline';
import { ChatClient, type ClientEvent } from '../client/client.js';
import { DialError, dialer } from '../client/dial.js';
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
} from '../client/render.js';
import { CHAT_USAGE, type ChatArgs, parseChatArgs, UsageError } from './chat-args.js';

/** How long the process may take to close its wire politely after /quit. */
const EXIT_GRACE_MS = 2000;

/** Writes lines to stdout. */
function print(...lines: string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * The chat line interface over a ChatClient: what is typed becomes requests; frames and replies become lines,
 * printed in the order they arrived.
 */
class ChatView {
  current: string | undefined;
  private readonly work = new Set<Promise<unknown>>();
  private connected = false;

  constructor(private readonly client: ChatClient) {
    client.on((event) => this.onEvent(event));
  }

  /** Remembers a request until it is answered, so EOF can wait for it; its reply is printed as an event. */
  track(task: Promise<unknown>): void {
    const done = task.catch(() => undefined);
    this.work.add(done);
    void done.finally(() => this.work.delete(done));
  }

  /** Resolves once every request typed so far is answered. */
  async settled(): Promise<void> {
    while (this.work.size > 0) await Promise.all([...this.work]);
  }

  /** Handles one typed line. Returns false on /quit. */
  input(line: string): boolean {
    if (line.trim() === '') return true;
    const command = parseCommand(line);
    if (!command) {
      if (this.current === undefined) print('! You are in no room: /join ROOM first.');
      else this.track(this.client.say(this.current, line));
      return true;
    }
    const { name, arg } = command;
    const room = arg || this.current;
    switch (name) {
      case '/quit':
        return false;
      case '/help':
        print(...HELP_LINES);
        return true;
      case '/rooms':
        print(roomsLine([...this.client.rooms.keys()], this.current));
        return true;
      case '/join':
      case '/nick':
        if (!arg) print(`! Usage: ${name} ${name === '/join' ? 'ROOM' : 'NAME'}`);
        else this.track(name === '/join' ? this.client.join(arg) : this.client.setNick(arg));
        return true;
      case '/leave':
      case '/who':
        if (!room) print(`! Usage: ${name} ROOM`);
        else this.track(name === '/leave' ? this.client.leave(room) : this.client.who(room));
        return true;
      default:
        print(`! Unknown command ${clean(name)}; /help lists them.`);
        return true;
    }
  }

  private replied(request: Frame, reply: Frame): void {
    if (reply.type === 'error') {
      print(`! ${String(reply.code)}: ${String(reply.message)}`);
      return;
    }
    const room = String(request.room);
    if (request.type === 'join') {
      this.current = room;
      print(...joinedLines(room, reply));
    } else if (request.type === 'leave') {
      if (this.current === room) this.current = [...this.client.rooms.keys()].at(-1);
      print(leftLine(room, this.current));
    } else if (request.type === 'who') {
      print(whoLine(room, reply.members));
    } else if (request.type === 'nick') {
      print(`* You are now ${clean(String(reply.nick))}.`);
    }
  }

  private onEvent(event: ClientEvent): void {
    if (event.type === 'reply') {
      this.replied(event.request, event.reply);
      return;
    }
    if (event.type === 'state') {
      if (event.state === 'open') {
        const how = `${clean(this.client.nick ?? '')} over ${this.client.transport ?? '?'}`;
        print(this.connected ? `* Reconnected as ${how}.` : `* Connected as ${how}.`);
        this.connected = true;
      } else if (event.state === 'connecting' || event.state === 'reconnecting') {
        const wait = ((event.delayMs ?? 0) / 1000).toFixed(1);
        print(`* ${event.reason ?? 'Not connected'}; retrying in ${wait} s.`);
      }
      return;
    }
    const frame = event.frame;
    if (frame.type === 'welcome') return;
    if (frame.type === 'resumed') {
      const rooms = Object.entries((frame.rooms ?? {}) as Record<string, { replayed: number }>);
      print(...rooms.map(([room, info]) => `* Resumed ${room}: ${info.replayed} missed message(s).`));
      return;
    }
    const line = renderEvent(frame);
    if (line !== undefined) print(line);
  }
}

/** `switchboard chat URL`: a terminal chat client over any transport, reconnecting and resuming. */
export async function chat(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(CHAT_USAGE);
    return;
  }
  let args: ChatArgs;
  let dial: ReturnType<typeof dialer>;
  try {
    args = parseChatArgs(argv);
    dial = dialer(args.url, { transport: args.transport });
  } catch (error) {
    if (error instanceof UsageError || error instanceof DialError) {
      process.stderr.write(`switchboard chat: ${error.message}\n${CHAT_USAGE}`);
      process.exit(2);
    }
    throw error;
  }
  const client = new ChatClient({ dial, nick: args.nick, retry: { initialMs: args.retryMs } });
  const view = new ChatView(client);
  const exit = (code: number) => {
    client.close();
    process.exitCode = code;
    process.stdin.destroy();
    // Let the wire finish closing (a polling client still has to post its close packet), then go anyway.
    setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
  };
  client.on((event) => {
    if (event.type === 'state' && event.state === 'closed' && event.reason !== 'closed by the client') {
      print(`! Disconnected: ${event.reason ?? 'closed'}.`);
      exit(1);
    }
  });
  print(`* Connecting to ${args.url}...`);
  const tty = Boolean(process.stdin.isTTY);
  const rl = createInterface({
    input: process.stdin,
    ...(tty ? { output: process.stdout, terminal: true } : {}),
  });
  // Requests made before the first welcome are queued in order: the join first, then whatever is typed.
  view.current = args.room;
  const joined = client.join(args.room);
  view.track(joined);
  void client.start().catch(() => undefined);
  let quitting = false;
  const quit = async () => {
    if (quitting) return;
    quitting = true;
    rl.close();
    await joined.catch(() => undefined);
    await view.settled();
    print('* Bye.');
    exit(0);
  };
  rl.on('line', (line) => {
    if (!quitting && !view.input(line)) void quit();
  });
  rl.on('close', () => void quit());
}
