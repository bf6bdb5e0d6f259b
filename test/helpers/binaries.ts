import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

let updated = false;

/**
 * The path of a Debian package's program; installs the package with apt when it is missing and this runs
 * as root, else throws one line naming the command to run. Tests never skip for want of it.
 */
export function ensureBinary(path: string, pkg: string): string {
  if (existsSync(path)) return path;
  if (process.getuid?.() === 0) {
    // A fresh machine may have no package lists yet; one update serves every later install.
    if (!updated) execFileSync('apt-get', ['update'], { stdio: 'inherit' });
    updated = true;
    execFileSync('apt-get', ['install', '-y', pkg], { stdio: 'inherit' });
    if (existsSync(path)) return path;
  }
  throw new Error(`${path} is missing: run \`apt-get install -y ${pkg}\` (as root).`);
}
