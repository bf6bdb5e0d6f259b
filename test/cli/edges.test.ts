import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { connectEngine } from '../helpers/client.js';
import { freePort } from '../helpers/ports.js';
import { startServer } from '../helpers/server.js';

// The edges of the built CLI: help, the errors of bad values, and `chat` with piped input.

const MAIN = 'dist/src/cli/main.js';
const run = promisify(execFile);

/** Runs the CLI to its end; resolves with its exit code and output (stdin is empty, not a terminal). */
async function cli(
  args: string[],
  input = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { ...process.env, LOG_LEVEL: 'silent' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  child.stdin.end(input);
  const [code] = await once(child, 'exit');
  return { code: code as number | null, stdout, stderr };
}

describe('switchboard help and errors', () => {
  it('prints the usage for --help, -h and help, with exit code 0', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const { stdout } = await run(process.execPath, [MAIN, flag]);
      expect(stdout, flag).toContain('switchboard serve [options]');
      expect(stdout, flag).toContain('switchboard chat URL');
    }
    const unknown = await cli(['bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "bogus"');
  });

  it('describes every serve option with its variable and default', async () => {
    const { stdout } = await run(process.execPath, [MAIN, 'serve', '--help']);
    expect(stdout).toContain('--port (PORT, default 3000)');
    expect(stdout).toContain('HTTP port for the page');
    expect(stdout).toContain('--log-level (LOG_LEVEL, default info)');
    expect(stdout).toContain('--api-token (API_TOKEN, default unset)');
    expect(stdout).toContain('--transports (TRANSPORTS, default engineio,rawws,sse)');
    const options = stdout.split('\n').filter((l) => l.startsWith('  --'));
    const described = stdout.split('\n').filter((l) => /^ {6}\S/.test(l));
    expect(described).toHaveLength(options.length);
  });

  it('lists the allowed values of an enum it refuses', async () => {
    const { code, stderr } = await cli(['serve', '--log-level', 'loud']);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(
      'switchboard: Invalid configuration --log-level=loud: expected one of fatal, error, warn, info, debug, trace, silent.',
    );
  });

  it('chat --help describes every option, --ns among them', async () => {
    const { stdout } = await run(process.execPath, [MAIN, 'chat', '--help']);
    for (const flag of ['--nick', '--room', '--ns', '--transport', '--retry-ms', '--tries'])
      expect(stdout).toContain(flag);
  });
});

describe('switchboard chat with piped input', () => {
  it('gives up after a bounded number of tries against a dead port, with exit code 1', async () => {
    const port = await freePort();
    const { code, stdout } = await cli(['chat', `ws://127.0.0.1:${port}/ws`, '--retry-ms', '5'], 'hello\n');
    expect(code).toBe(1);
    expect(stdout).toContain(
      `! Giving up: could not connect to ws://127.0.0.1:${port}/ws after 5 attempt(s)`,
    );
    const custom = await cli(
      ['chat', `ws://127.0.0.1:${port}/ws`, '--retry-ms', '5', '--tries', '2'],
      'hello\n',
    );
    expect(custom.code).toBe(1);
    expect(custom.stdout).toContain('after 2 attempt(s)');
  });

  it('says into a namespace given with --ns', async () => {
    await using server = await startServer();
    const team = await connectEngine(server.url, 'websocket');
    await team.hello({ nick: 'lead', ns: '/team' });
    await team.request({ type: 'join', room: 'lobby' });
    const other = await connectEngine(server.url, 'websocket');
    await other.hello({ nick: 'outsider' });
    await other.request({ type: 'join', room: 'lobby' });
    const { code } = await cli(['chat', server.url, '--ns', '/team', '--nick', 'bot'], 'deployed\n');
    expect(code).toBe(0);
    expect(await team.next('message')).toMatchObject({ from: 'bot', text: 'deployed' });
    await other.request({ type: 'say', room: 'lobby', text: 'root ns' });
    expect(await other.next('message')).toMatchObject({ text: 'root ns' });
    expect(other.frames.filter((f) => f.type === 'message' && f.text === 'deployed')).toEqual([]);
    team.close();
    other.close();
  });
});
