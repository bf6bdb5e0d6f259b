import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatPage, launchBrowser } from '../helpers/browser.js';

// The package as a stranger gets it: `npm pack`, the tarball installed into a scratch app in a temp
// folder, then only public entry points (`switchboard`, `switchboard/node`, `switchboard/client`) and
// `npx switchboard serve` of the installed copy. npm test builds before vitest runs, so the pack skips
// `prepack` here: rebuilding dist/ would rewrite files that other test files are reading meanwhile.

const run = promisify(execFile);
const REPO = resolve('.');
const INSTALL_MS = 90_000;

let dir: string;
let tarball: string;
let installLog: string;
let child: ChildProcess | undefined;
let url: string;
let browser: Browser;

/** Starts `npx switchboard serve` in the scratch app (its own process group) and resolves with its URL. */
async function serveInstalled(): Promise<string> {
  const proc = spawn('npx', ['--no-install', 'switchboard', 'serve', '--port', '0'], {
    cwd: dir,
    env: { ...process.env, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child = proc;
  let out = '';
  return new Promise<string>((done, fail) => {
    const take = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) done(match[1]);
    };
    proc.stdout?.on('data', take);
    proc.stderr?.on('data', take);
    proc.once('exit', (code) => fail(new Error(`switchboard serve exited ${code}: ${out}`)));
  });
}

beforeAll(async () => {
  if (!existsSync(join(REPO, 'dist/src/index.js')) || !existsSync(join(REPO, 'web/public/build/client.js'))) {
    throw new Error('dist/ or web/public/build/ is missing: run `npm run build` first (npm test does).');
  }
  dir = await mkdtemp(join(tmpdir(), 'switchboard-pack-'));
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: REPO,
  });
  const [info] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
  tarball = join(dir, info.filename);
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'scratch', private: true, type: 'module' }),
  );
  const installed = await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'warn', tarball],
    { cwd: dir, timeout: INSTALL_MS },
  );
  installLog = installed.stdout + installed.stderr;
  [url, browser] = await Promise.all([serveInstalled(), launchBrowser()]);
}, INSTALL_MS + 30_000);

afterAll(async () => {
  await browser?.close();
  if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the packed package, installed into another app', () => {
  it('installs without engine warnings and holds built JS, the page bundle and no TypeScript sources', async () => {
    expect(installLog).not.toMatch(/EBADENGINE/);
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.split('\n');
    expect(files).toContain('package/dist/src/index.js');
    expect(files).toContain('package/dist/src/index.d.ts');
    expect(files).toContain('package/dist/src/client/index.js');
    expect(files).toContain('package/web/public/build/client.js');
    expect(files).toContain('package/web/public/build/client.d.ts');
    expect(files).toContain('package/web/public/build/app.js');
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('type-checks an app that imports the three entry points', async () => {
    await writeFile(
      join(dir, 'check.ts'),
      [
        "import { buildServer, loadConfig, switchboard, type Config } from 'switchboard';",
        "import { connect, type SwitchboardClient } from 'switchboard/client';",
        "import { connect as connectNode, type NodeClient } from 'switchboard/node';",
        'export const used = [buildServer, loadConfig, switchboard, connect, connectNode];',
        'export type Used = [Config, SwitchboardClient, NodeClient];',
        '',
      ].join('\n'),
    );
    const tsc = join(REPO, 'node_modules/.bin/tsc');
    const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext'];
    const result = await run(tsc, [...args, '--lib', 'es2022,dom', '--types', 'node', 'check.ts'], {
      cwd: dir,
      env: { ...process.env, NODE_PATH: '' },
    }).catch((error: { stdout: string }) => ({ stdout: error.stdout, failed: true }));
    expect(result.stdout).toBe('');
  });

  it('serves the page that chats in Chromium with the Node client of the installed package', async () => {
    const page = await ChatPage.open(browser, url, { params: { nick: 'pat', room: 'packed' } });
    await writeFile(
      join(dir, 'node-client.mjs'),
      [
        "import { connect } from 'switchboard/node';",
        'const client = connect(process.argv[2], { nick: "nodey" });',
        'await client.join("packed");',
        'const ack = await client.say("packed", "hello from node");',
        'client.close();',
        'console.log(JSON.stringify(ack));',
        '',
      ].join('\n'),
    );
    await page.waitForRoom('packed');
    const { stdout } = await run(process.execPath, ['node-client.mjs', url], { cwd: dir, timeout: 15_000 });
    // The process ended by itself after close(): nothing of the client keeps it alive.
    expect(JSON.parse(stdout)).toMatchObject({ seq: 1, cid: expect.any(String) });
    await page.waitForMessage('nodey', 'hello from node');
    await page.say('hi node');
    await page.waitForMessage('pat', 'hi node');
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('serves the ready client bundle at /build/client.js, importable by a page', async () => {
    const page = await ChatPage.open(browser, url, { params: { nick: 'importer' } });
    // A string, so that vitest does not rewrite the dynamic import meant for the browser.
    const nick = await page.page.evaluate(`(async () => {
      const mod = await import('${url}/build/client.js');
      const client = mod.connect({ url: '${url}', nick: 'bundled' });
      const nick = await new Promise((done) => client.on('welcome', (w) => done(w.nick)));
      client.close();
      return nick;
    })()`);
    expect(nick).toBe('bundled');
    await page.close();
  });
});
