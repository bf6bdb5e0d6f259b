import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigSchema, envName, flagName, loadConfig } from '../../src/server/config.js';

describe('configuration', () => {
  it('has defaults that serve one process on 127.0.0.1:3000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      historyLimit: 1000,
      maxFrameBytes: 65536,
      ratePerSec: 20,
      rateBurst: 40,
      websocket: true,
      // Every long-poll is a request: a cap would recycle polling clients' sockets (docs/configuration.md).
      maxRequestsPerSocket: 0,
    });
  });

  it('reads environment variables and lets flags win', () => {
    const config = loadConfig(
      { PORT: '4000', RATE_PER_SEC: '0', WEBSOCKET: 'off', ALLOWED_ORIGINS: 'a, b' },
      ['--port', '5000', '--history-limit=7'],
    );
    expect(config).toMatchObject({
      port: 5000,
      ratePerSec: 0,
      websocket: false,
      historyLimit: 7,
      allowedOrigins: ['a', 'b'],
    });
  });

  it('enables the tcp transport when TCP_PORT is set', () => {
    expect(loadConfig({ TCP_PORT: '7001' }).transports).toContain('tcp');
  });

  it('names the bad value in one line', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/PORT=abc/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL=loud/);
    expect(() => loadConfig({ API_TOKEN: 'short' })).toThrow(/API_TOKEN=short/);
    expect(() => loadConfig({}, ['--port'])).toThrow(/--port needs a value/);
    expect(() => loadConfig({}, ['--nope', '1'])).toThrow(/Unknown option --nope/);
  });

  it('refuses an HTTP idle timeout that would cut idle long-polls', () => {
    expect(() => loadConfig({ CONNECTION_TIMEOUT_MS: '20000', PING_INTERVAL_MS: '25000' })).toThrow(
      /CONNECTION_TIMEOUT_MS=20000/,
    );
    expect(loadConfig({ CONNECTION_TIMEOUT_MS: '0' }).connectionTimeoutMs).toBe(0);
  });

  it('refuses an AUTH_SECRET under 32 bytes without printing it, and counts bytes, not characters', () => {
    expect(() => loadConfig({ AUTH_SECRET: 'hunter2-hunter2' })).toThrow(
      'Invalid configuration AUTH_SECRET: it must be at least 32 bytes for HS256, got 15.',
    );
    expect(() => loadConfig({ AUTH_SECRET: 'hunter2-hunter2' })).not.toThrow(/hunter2/);
    // Eleven three-byte characters are 33 bytes.
    expect(loadConfig({ AUTH_SECRET: '€'.repeat(11) }).authSecret).toBe('€'.repeat(11));
  });

  it('documents every setting in docs/configuration.md', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    for (const key of Object.keys(ConfigSchema.properties)) {
      expect(doc).toMatch(new RegExp(`\\|\\s*\`${envName(key)}\`\\s*\\|\\s*\`${flagName(key)}\`\\s*\\|`));
    }
  });
});
