// The benchmark's native tools come from Debian packages; install them only
// when missing so a prepared machine never touches apt.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The binary each package provides: its presence means "installed". */
const BINARY: Record<string, string> = {
  knot: 'knotd',
  dnsperf: 'dnsperf',
  'bind9-dnsutils': 'dig',
};

// knotd lives in /usr/sbin, which a non-login PATH may lack.
const SEARCH_PATH = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];

/** Absolute path of an executable, or undefined. */
export function which(binary: string): string | undefined {
  for (const dir of SEARCH_PATH) {
    if (!dir) continue;
    const candidate = join(dir, binary);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Absolute path of an executable; throws when absent. */
export function requireBinary(binary: string): string {
  const path = which(binary);
  if (!path) throw new Error(`${binary} not found in PATH`);
  return path;
}

export function ensurePackages(packages: string[]): void {
  const missing = packages.filter((p) => !which(BINARY[p] ?? p));
  if (missing.length === 0) return;
  console.log(`installing ${missing.join(' ')} with apt-get`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}
