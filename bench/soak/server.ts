import type { AddressInfo } from 'node:net';
import { buildServer } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';

// The soak's server, in a process of its own so the load generator never shares its event loop. It runs
// with the shipped defaults (rate limit included) except the smallest slow-consumer bound, so peers that
// stop reading are cut within the run, and logs off (a flood's refusals would fill the terminal).
const config = loadConfig(process.env, [], {
  port: 0,
  host: '127.0.0.1',
  tcpPort: 0,
  logLevel: 'silent',
  maxBufferBytes: 65536,
  transports: ['engineio', 'rawws', 'tcp'],
});
const app = await buildServer(config, { serveWeb: false });
await app.listen({ port: 0, host: '127.0.0.1' });
const tcp = app.switchboard.transports.find((t) => t.name === 'tcp')?.address?.();
process.send?.({ port: (app.server.address() as AddressInfo).port, tcpPort: tcp?.port ?? 0 });
process.on('disconnect', () => {
  void app.close().then(() => process.exit(0));
});
