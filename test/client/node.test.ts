import { connect, type NodeClient } from '../../src/client/node-client.js';
import type { TestServer } from '../helpers/server.js';
import { type Bytes, type ClientDriver, clientSuite, type DrivenClient, type Outcome } from './suite.js';

/** Turns the suite's byte markers into Uint8Arrays. */
function revive(arg: unknown): unknown {
  return typeof arg === 'object' && arg !== null && '$bytes' in arg
    ? new Uint8Array((arg as Bytes).$bytes)
    : arg;
}

/** Drives the Node client in this process, dialing the URL `url` gives for a server. */
function nodeDriver(url: (server: TestServer) => string, transport?: 'websocket' | 'polling') {
  return (): ClientDriver => {
    const clients: NodeClient[] = [];
    return {
      async open(server, options) {
        const client = connect(url(server), { ...options, ...(transport ? { transport } : {}) });
        clients.push(client);
        const seen = new Map<string, unknown[]>();
        const names = ['state', 'message', 'members', 'presence', 'gap', 'resumed', 'nick', 'outgoing'];
        for (const name of names) {
          const list: unknown[] = [];
          seen.set(name, list);
          client.on(name as 'state', (payload) => list.push(payload));
        }
        const driven: DrivenClient = {
          async call(method, ...args): Promise<Outcome> {
            const fn = (client as unknown as Record<string, (...a: unknown[]) => unknown>)[method];
            if (typeof fn !== 'function') throw new Error(`no method ${method}`);
            try {
              return { ok: true, value: await fn.apply(client, args.map(revive)) };
            } catch (error) {
              const { code, message } = error as { code: string; message: string };
              return { ok: false, error: { code, message } };
            }
          },
          get: async (property) => {
            const value = (client as unknown as Record<string, unknown>)[property];
            return Array.isArray(value) ? [...value] : value;
          },
          events: async (name) => [...(seen.get(name) ?? [])],
        };
        return driven;
      },
      async cleanup() {
        for (const client of clients) client.close();
      },
    };
  };
}

clientSuite(
  'Node over tcp://',
  nodeDriver((s) => `tcp://127.0.0.1:${s.tcpPort}`),
);
clientSuite(
  'Node over ws://',
  nodeDriver((s) => `ws://127.0.0.1:${s.port}/ws`),
);
clientSuite(
  'Node over http:// (engine.io WebSocket)',
  nodeDriver((s) => s.url, 'websocket'),
);
clientSuite(
  'Node over http:// (engine.io polling)',
  nodeDriver((s) => s.url, 'polling'),
);
