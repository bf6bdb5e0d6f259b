import type { Redis } from 'ioredis';

/** A Lua script bound to a connection: sent by EVALSHA, and loaded again by ioredis after a Redis restart. */
export type Script = (keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;

/** Defines `lua` on the client once under `name` and returns a function that runs it. */
export function defineScript(client: Redis, name: string, keyCount: number, lua: string): Script {
  const commands = client as unknown as Record<string, (...args: (string | number)[]) => Promise<unknown>>;
  if (typeof commands[name] !== 'function') client.defineCommand(name, { numberOfKeys: keyCount, lua });
  return (keys, args) =>
    (commands[name] as (...a: (string | number)[]) => Promise<unknown>).call(client, ...keys, ...args);
}
