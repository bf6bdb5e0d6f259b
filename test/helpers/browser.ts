import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium, which the end-to-end tests drive. */
export const CHROMIUM = '/usr/bin/chromium';
const INSTALL = 'apt-get install -y chromium';
/** Where screenshots go (gitignored). */
export const ARTIFACTS = join(process.cwd(), 'test-artifacts');

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const WAIT_MS = 10_000;

/** The Chromium path; installs it with apt when missing and running as root, else fails naming the command. */
export function findChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() === 0) {
    try {
      execFileSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit' });
    } catch {
      // A fresh machine may have no package lists yet.
      execFileSync('apt-get', ['update'], { stdio: 'inherit' });
      execFileSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit' });
    }
    if (existsSync(CHROMIUM)) return CHROMIUM;
  }
  throw new Error(`Chromium is missing at ${CHROMIUM}: run \`${INSTALL}\` (as root).`);
}

/** One headless Chromium for a test file. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: findChromium(), headless: true, args: ARGS });
}

/** A line of the message log as the person sees it. */
export interface Line {
  from: string;
  text: string;
  state: string;
}

/** Options for opening the chat page. */
export interface OpenOptions {
  /** Page parameters (nick, room, transport, demotionMs). */
  params?: Record<string, string>;
  /** Runs in the page before any of its scripts. */
  initScript?: () => void;
  /** Prepares the browser context before the page opens (routes, for a proxy that breaks WebSocket). */
  prepare?: (context: BrowserContext) => Promise<void>;
  viewport?: { width: number; height: number };
  /** Wait until the client is open. @default true */
  waitOpen?: boolean;
}

declare global {
  interface Window {
    /** Every text the badge showed since the page started, in order (recorded by the tests). */
    __badges: string[];
  }
}

/** Records each text the badge shows, from before the page's own scripts run. */
function recordBadge(): void {
  window.__badges = [];
  new MutationObserver(() => {
    const text = document.getElementById('badge')?.textContent ?? '';
    if (text && window.__badges.at(-1) !== text) window.__badges.push(text);
  }).observe(document, { subtree: true, childList: true, characterData: true });
}

/**
 * The chat page in its own browser context (own sessionStorage and localStorage), with what a test
 * watches: WebSocket connections the page opened, dialogs (nothing may run), and page errors.
 */
export class ChatPage {
  readonly websockets: string[] = [];
  /** engine.io long-polling requests the page made. */
  readonly polls: string[] = [];
  readonly dialogs: string[] = [];
  readonly errors: string[] = [];

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
  ) {
    page.on('websocket', (ws) => this.websockets.push(ws.url()));
    page.on('request', (request) => {
      // EIO=3 is the client's admission probe after a refused WebSocket: it never makes a session.
      const url = request.url();
      if (url.includes('/engine.io/') && url.includes('transport=polling') && !url.includes('EIO=3')) {
        this.polls.push(request.url());
      }
    });
    page.on('dialog', (dialog) => {
      this.dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => this.errors.push(String(error)));
  }

  /** Opens the page and waits until its client has a session. */
  static async open(browser: Browser, baseUrl: string, options: OpenOptions = {}): Promise<ChatPage> {
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 900, height: 640 } });
    await options.prepare?.(context);
    const page = await context.newPage();
    await page.addInitScript(recordBadge);
    if (options.initScript) await page.addInitScript(options.initScript);
    const chat = new ChatPage(context, page);
    await chat.goto(baseUrl, options.params, options.waitOpen ?? true);
    return chat;
  }

  /** Loads the page (again) with these parameters and, unless told not to, waits until the client is open. */
  async goto(baseUrl: string, params: Record<string, string> = {}, waitOpen = true): Promise<void> {
    const query = new URLSearchParams(params).toString();
    await this.page.goto(`${baseUrl}/${query ? `?${query}` : ''}`);
    if (waitOpen) await this.waitForState('open');
  }

  /** Reloads the page and waits until the client is open. */
  async reload(): Promise<void> {
    await this.page.reload();
    await this.waitForState('open');
  }

  /** The badge's text. */
  async badge(): Promise<string> {
    return (await this.page.locator('#badge').textContent()) ?? '';
  }

  /** Every text the badge showed since the page was last loaded. */
  badgeHistory(): Promise<string[]> {
    return this.page.evaluate(() => window.__badges);
  }

  /** Waits until the badge shows this text. */
  async waitForBadge(text: string): Promise<void> {
    await this.page.waitForFunction((t) => document.getElementById('badge')?.textContent === t, text, {
      timeout: WAIT_MS,
    });
  }

  /** Waits until the client reaches this state. */
  async waitForState(state: string): Promise<void> {
    await this.page.waitForFunction((s) => window.switchboard?.state === s, state, { timeout: WAIT_MS });
  }

  /** Waits until the current room is this one and its join was answered (members listed). */
  async waitForRoom(room: string): Promise<void> {
    await this.page.waitForFunction(
      (r) =>
        document.querySelector('.room-tab[aria-current="true"]')?.getAttribute('data-room') === r &&
        document.querySelectorAll('#members li').length > 0,
      room,
      { timeout: WAIT_MS },
    );
  }

  /** Types a message and presses Enter. */
  async say(text: string): Promise<void> {
    const input = this.page.locator('#text');
    await input.fill(text);
    await input.press('Enter');
  }

  /** Chooses a nick with the nick form and waits for it to be granted. */
  async setNick(nick: string): Promise<void> {
    await this.page.locator('#nick').fill(nick);
    await this.page.locator('#nick').press('Enter');
    await this.page.waitForFunction((n) => window.switchboard.nick === n, nick, { timeout: WAIT_MS });
  }

  /** The message lines of the room shown, in order. */
  lines(): Promise<Line[]> {
    return this.page.evaluate(() =>
      [...document.querySelectorAll<HTMLLIElement>('#log li.msg')].map((li) => ({
        from: li.querySelector('.from')?.textContent ?? '',
        text: li.querySelector('.text')?.textContent ?? '',
        state: li.dataset.state ?? '',
      })),
    );
  }

  /** Every line of the room shown (messages and notices), as text, in order. */
  allLines(): Promise<string[]> {
    return this.page.evaluate(() =>
      [...document.querySelectorAll<HTMLLIElement>('#log li')].map((li) =>
        li.classList.contains('notice')
          ? `* ${li.textContent ?? ''}`
          : `${li.querySelector('.from')?.textContent}: ${li.querySelector('.text')?.textContent}`,
      ),
    );
  }

  /** Waits until a sent message with this sender and text is shown. */
  async waitForMessage(from: string, text: string): Promise<void> {
    await this.page.waitForFunction(
      ([f, t]) =>
        [...document.querySelectorAll<HTMLLIElement>('#log li.msg')].some(
          (li) =>
            li.dataset.state === 'sent' &&
            li.querySelector('.from')?.textContent === f &&
            li.querySelector('.text')?.textContent === t,
        ),
      [from, text] as const,
      { timeout: WAIT_MS },
    );
  }

  /** Waits until this nick is in the member list. */
  async waitForMember(nick: string): Promise<void> {
    await this.page.waitForFunction(
      (n) => [...document.querySelectorAll('#members li')].some((li) => li.textContent === n),
      nick,
      { timeout: WAIT_MS },
    );
  }

  /** What the page's client reports about its transport negotiation. */
  negotiation() {
    return this.page.evaluate(() => window.switchboard.negotiation);
  }

  /** Saves a screenshot to test-artifacts/NAME.png. */
  async screenshot(name: string): Promise<void> {
    mkdirSync(ARTIFACTS, { recursive: true });
    await this.page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}
