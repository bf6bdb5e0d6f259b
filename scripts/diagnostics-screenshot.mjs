// Regenerates docs/diagnostics.png: a gateway from dist/ (run `npm run build` first) on a free port, and
// Chromium on its /diagnostics page once a transport is open. Run: node scripts/diagnostics-screenshot.mjs
import { chromium } from 'playwright-core';
import { buildServer } from '../dist/src/server/app.js';
import { loadConfig } from '../dist/src/server/config.js';

const config = loadConfig({}, [], { logLevel: 'silent', port: 0, tcpPort: 0, host: '127.0.0.1' });
const app = await buildServer(config, {});
await app.listen({ port: 0, host: '127.0.0.1' });
const { port } = app.server.address();
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: 760 } });
  await page.goto(`http://127.0.0.1:${port}/diagnostics/`);
  // Wait for the measured round trip so the table shows it.
  await page.waitForFunction(() => Object.keys(window.switchboard.diagnostics().rttMs).length > 0);
  await page.waitForTimeout(1200);
  await page.screenshot({ path: 'docs/diagnostics.png', fullPage: false });
} finally {
  await browser.close();
  await app.close();
}
