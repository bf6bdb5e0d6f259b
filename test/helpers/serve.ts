import { type ChildProcess, spawn } from 'node:child_process';

/** The built CLI, as `npm start` runs it (tests that spawn it need `npm run build` first; npm test does). */
export const MAIN = 'dist/src/cli/main.js';

/**
 * Starts `switchboard serve` in its own process and resolves with its URL once it says it is listening
 * (`listeners` times: each worker of `--workers N` says so once).
 */
export async function serve(
  env: Record<string, string> = {},
  args: readonly string[] = ['--port', '0'],
  listeners = 1,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [MAIN, 'serve', ...args], {
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const collect = (chunk: Buffer) => {
      out += chunk.toString();
      const matches = [...out.matchAll(/listening on (http:\/\/\S+)/g)];
      if (matches.length >= listeners && matches[0]?.[1]) resolve(matches[0][1]);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  return { child, url };
}
