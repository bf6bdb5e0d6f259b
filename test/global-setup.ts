import { findChromium } from './helpers/browser.js';

/** Runs once before the test workers: installs Chromium when missing, so parallel files never race apt-get. */
export default function setup(): void {
  findChromium();
}
