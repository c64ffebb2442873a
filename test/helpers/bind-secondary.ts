// BIND's named as a secondary of zonecast (foreground, logging to stderr): pulls zones by AXFR, then IXFR
// on NOTIFY, and logs every transfer.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type Server } from '../../native-bench/lib/proc.ts';

export interface BindSecondary extends Server {
  dir: string;
  lines: string[];
}

/** The options every named we start shares: loopback on `port`, state in `dir`, no recursion, NOTIFY from loopback. */
export function bindBaseOptions(dir: string, port: number): string {
  return `  directory "${dir}";
  pid-file "${join(dir, 'named.pid')}";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  notify no;
  allow-notify { 127.0.0.1; };`;
}

export function startBindSecondary(
  named: string, dir: string, port: number, primaryPort: number, zones: string[], tsig?: { name: string; algorithm: string; secret: string },
): BindSecondary {
  mkdirSync(dir, { recursive: true });
  const key = tsig ? `key "${tsig.name}" { algorithm ${tsig.algorithm}; secret "${tsig.secret}"; };\n` : '';
  const keyRef = tsig ? ` key "${tsig.name}"` : '';
  writeFileSync(join(dir, 'named.conf'), `${key}options {
${bindBaseOptions(dir, port)}
  request-ixfr yes;
};
controls { };
${zones.map((z) => `zone "${z}" { type secondary; primaries port ${primaryPort} { 127.0.0.1${keyRef}; }; file "${z}db"; };\n`).join('')}`);
  const lines: string[] = [];
  // -g: foreground with logs on stderr; -u root keeps named from switching to a user that cannot write dir.
  const server = startServer('named secondary', named, ['-g', '-u', 'root', '-c', join(dir, 'named.conf')], { onLine: (line) => lines.push(line) });
  return Object.assign(server, { dir, lines });
}
