import { createInterface } from 'node:readline';
import { DialError, dialer } from '../client/dial.js';
import { connect, type NodeClient } from '../client/node-client.js';
import { currentAfter, readLine } from '../lineui/commands.js';
import { clean, type Frame, renderEvent, replyLines } from '../lineui/render.js';
import { CHAT_USAGE, type ChatArgs, parseChatArgs, UsageError } from './chat-args.js';

/** How long the process may take to close its wire politely after /quit. */
const EXIT_GRACE_MS = 2000;

/** Writes lines to stdout (nothing for no lines). */
function print(...lines: string[]): void {
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * The chat line interface over a client: what is typed becomes requests; frames and replies become lines,
 * printed in the order they arrived.
 */
class ChatView {
  current: string | undefined;
  private readonly work = new Set<Promise<unknown>>();
  private connected = false;

  constructor(private readonly client: NodeClient) {
    // The protocol's frame types are closed interfaces; the renderer reads any frame by field name.
    const show = (frame: { type: string }) => {
      const line = renderEvent(frame as Frame);
      if (line !== undefined) print(line);
    };
    client.on('reply', ({ request, reply }) => this.replied(request, reply as Frame));
    client.on('message', (message) => show({ ...message, type: 'message' }));
    client.on('presence', show);
    client.on('event', show);
    client.on('gap', show);
    client.on('bye', show);
    client.on('error', ({ code, message }) => show({ type: 'error', code, message } as Frame));
    client.on('resumed', (frame) => {
      const rooms = Object.entries(frame.rooms);
      print(...rooms.map(([room, info]) => `* Resumed ${room}: ${info.replayed} missed message(s).`));
    });
    client.on('retry', ({ reason, delayMs }) => {
      print(`* ${reason}; retrying in ${(delayMs / 1000).toFixed(1)} s.`);
    });
    client.on('state', (state) => {
      if (state !== 'open') return;
      const how = `${clean(client.nick ?? '')} over ${client.transport ?? '?'}`;
      print(this.connected ? `* Reconnected as ${how}.` : `* Connected as ${how}.`);
      this.connected = true;
    });
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
    const typed = readLine(line, this.current, this.client.rooms);
    if (typed.kind === 'quit') return false;
    if (typed.kind === 'print') print(...typed.lines);
    if (typed.kind !== 'request') return true;
    const { request } = typed;
    const { client } = this;
    this.track(
      request.type === 'say'
        ? client.say(request.room, request.text)
        : request.type === 'join'
          ? client.join(request.room)
          : request.type === 'leave'
            ? client.leave(request.room)
            : client.request(request),
    );
    return true;
  }

  private replied(request: Frame, reply: Frame): void {
    this.current = currentAfter(request, reply, this.current, this.client.rooms);
    if (reply.type === 'error') print(renderEvent(reply) ?? '');
    else print(...replyLines(request, reply, this.current));
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
    args = parseChatArgs(argv, !process.stdin.isTTY);
    dial = dialer(args.url, { transport: args.transport });
  } catch (error) {
    if (error instanceof UsageError || error instanceof DialError) {
      process.stderr.write(`switchboard chat: ${error.message}\n${CHAT_USAGE}`);
      process.exit(2);
    }
    throw error;
  }
  const client = connect(args.url, {
    dial,
    ...(args.nick === undefined ? {} : { nick: args.nick }),
    backoff: { initialMs: args.retryMs },
    ...(args.ns === undefined ? {} : { ns: args.ns }),
  });
  const view = new ChatView(client);
  let exiting = false;
  const exit = (code: number) => {
    // The first reason to exit decides the code: giving up closes stdin, which would otherwise say 0.
    if (exiting) return;
    exiting = true;
    client.close();
    process.exitCode = code;
    process.stdin.destroy();
    // Let the wire finish closing (a polling client still has to post its close packet), then go anyway.
    setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
  };
  let failures = 0;
  client.on('state', (state) => {
    if (state === 'open') failures = 0;
    // Closed by the server for good (kicked, the hello refused), not by this process: its reason was printed.
    if (state === 'closed' && !exiting) {
      print('! Disconnected for good.');
      exit(1);
    }
  });
  client.on('retry', ({ reason }) => {
    failures += 1;
    if (args.tries !== undefined && failures >= args.tries) {
      print(`! Giving up: could not connect to ${args.url} after ${failures} attempt(s) (${reason}).`);
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
  let quitting = false;
  const quit = async () => {
    if (quitting) return;
    quitting = true;
    rl.close();
    await joined.catch(() => undefined);
    await view.settled();
    if (exiting) return;
    print('* Bye.');
    exit(0);
  };
  rl.on('line', (line) => {
    if (!quitting && !view.input(line)) void quit();
  });
  rl.on('close', () => void quit());
}
