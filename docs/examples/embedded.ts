// An application that embeds Switchboard in its own Fastify app: its routes and error format stay its
// own, the gateway's REST API lives under /chat, and its own logic runs beside the chat (hooks).
// In an installed app the import is `from 'switchboard'`.
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { type Config, type Hooks, loadConfig, switchboard } from '../../src/index.js';

/** Words this app does not carry. */
const BANNED = /\bspam\b/i;

/** The application's logic: refuse some says, tidy the rest, answer a `dice` event, keep `ops` to staff. */
const hooks: Hooks = {
  join: ({ room, sender }) =>
    room === 'ops' && !sender.nick.startsWith('staff-')
      ? { action: 'refuse', reason: 'staff_only', message: 'Only staff may join ops.' }
      : undefined,
  say: ({ text }) => {
    if (BANNED.test(text))
      return { action: 'refuse', reason: 'banned_word', message: 'That word is not allowed here.' };
    const trimmed = text.trim();
    return trimmed === text ? undefined : { action: 'rewrite', text: trimmed };
  },
  events: {
    // The sender's ack carries the reply; the room is not told.
    dice: ({ data }) => {
      const sides =
        typeof data === 'object' && data !== null ? Number((data as { sides?: unknown }).sides) : 6;
      return { rolled: 1 + Math.floor(Math.random() * (Number.isInteger(sides) && sides > 1 ? sides : 6)) };
    },
  },
};

/** Builds the example app (not listening): `/hello` and its own error format, Switchboard under `/chat`. */
export async function buildEmbeddedApp(overrides: Partial<Config> = {}): Promise<FastifyInstance> {
  const app = Fastify();
  // The host's own format, to show that the plugin neither changes it nor is changed by it.
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    reply.status(error.statusCode ?? 500).send({ ok: false, error: error.message });
  });
  app.setNotFoundHandler((_request, reply) => {
    reply.status(404).send({ ok: false, error: 'nothing here' });
  });
  app.get('/hello', async () => ({ ok: true, hello: 'world' }));
  app.get('/boom', async () => {
    throw new Error('the host failed');
  });

  const config = loadConfig(process.env, [], { logLevel: 'silent', ...overrides });
  await app.register(switchboard, { config, prefix: '/chat', serveWeb: false, hooks });

  // Server code talks to rooms too: an announcement from the app's own route, to every node's members.
  app.post<{ Body: { text?: string } }>('/announce', async (request) => {
    const message = await app.switchboard.to('lobby').say(String(request.body?.text ?? ''), { from: 'news' });
    app.switchboard.to('lobby').emit('banner', { seq: message.seq });
    return { ok: true, seq: message.seq };
  });
  return app;
}
