// An application that embeds Switchboard in its own Fastify app: its routes and error format stay its
// own, the gateway's REST API lives under /chat. In an installed app the import is `from 'switchboard'`.
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { type Config, loadConfig, switchboard } from '../../src/index.js';

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
  await app.register(switchboard, { config, prefix: '/chat', serveWeb: false });
  return app;
}
