import { findChromium } from './helpers/browser.js';
import { findHaproxy } from './helpers/haproxy.js';
import { findRedisServer } from './helpers/redis.js';

/** Runs once before the test workers: installs Chromium, redis-server and haproxy when missing, so parallel files never race apt-get. */
export default function setup(): void {
  findChromium();
  findRedisServer();
  findHaproxy();
}
