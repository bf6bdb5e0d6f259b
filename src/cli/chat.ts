import { createInterface } from 'node:readline';
import { ChatClient, type ClientEvent } from '../client/client.js';
import { DialError, dialer } from '../client/dial.js';
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
    const typed = readLine(line, this.current, [...this.client.rooms.keys()]);
    if (typed.kind === 'quit') return false;
    if (typed.kind === 'print') print(...typed.lines);
    if (typed.kind !== 'request') return true;
    const { request } = typed;
    // A say goes through say(), which gives it the cid that makes a resend safe.
    this.track(
      request.type === 'say' ? this.client.say(request.room, request.text) : this.client.request(request),
    );
    return true;
  }

  private replied(request: Frame, reply: Frame): void {
    this.current = currentAfter(request, reply, this.current, [...this.client.rooms.keys()]);
    if (reply.type === 'error') print(renderEvent(reply) ?? '');
    else print(...replyLines(request, reply, this.current));
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
    args = parseChatArgs(argv, !process.stdin.isTTY);
    dial = dialer(args.url, { transport: args.transport });
  } catch (error) {
    if (error instanceof UsageError || error instanceof DialError) {
      process.stderr.write(`switchboard chat: ${error.message}\n${CHAT_USAGE}`);
      process.exit(2);
    }
    throw error;
  }
  const client = new ChatClient({
    dial,
    nick: args.nick,
    retry: { initialMs: args.retryMs },
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
  client.on((event) => {
    if (event.type !== 'state') return;
    if (event.state === 'open') failures = 0;
    if (event.state === 'connecting' || event.state === 'reconnecting') {
      failures += 1;
      if (args.tries !== undefined && failures >= args.tries) {
        print(
          `! Giving up: could not connect to ${args.url} after ${failures} attempt(s) (${event.reason ?? 'no answer'}).`,
        );
        exit(1);
      }
    }
    if (event.state === 'closed' && event.reason !== 'closed by the client') {
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
    if (exiting) return;
    print('* Bye.');
    exit(0);
  };
  rl.on('line', (line) => {
    if (!quitting && !view.input(line)) void quit();
  });
  rl.on('close', () => void quit());
}
