import { expect } from 'vitest';
import type { TestClient } from './client.js';
import type { TestServer } from './server.js';

/**
 * Two members of room `calm` whose conversation must go on whatever another client does. `stillFine()`
 * proves it: a's message is acked and reaches b, neither was disconnected, and the server answers HTTP.
 * `openB` defaults to `openA`, for a pair on one transport.
 */
export async function bystanders(
  server: TestServer,
  openA: () => Promise<TestClient>,
  openB: () => Promise<TestClient> = openA,
) {
  const a = await openA();
  const b = await openB();
  for (const [client, nick] of [
    [a, 'calm-a'],
    [b, 'calm-b'],
  ] as const) {
    await client.hello({ nick });
    expect(await client.request({ type: 'join', room: 'calm' })).toMatchObject({ type: 'ack' });
  }
  let n = 0;
  const stillFine = async () => {
    const text = `still fine ${++n}`;
    expect(await a.request({ type: 'say', room: 'calm', text })).toMatchObject({ type: 'ack' });
    await b.waitFor((f) => f.type === 'message' && f.text === text, text);
    expect(a.closed || b.closed).toBe(false);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  };
  const close = () => {
    a.close();
    b.close();
  };
  return { a, b, stillFine, close };
}
