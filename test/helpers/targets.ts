// Real pool targets for the worker's suites: BIND (rndc), Knot (knotc), NSD (nsd-control) and PowerDNS (HTTP
// API), each a private daemon on its own ports and directory, secondary to zonecast's mdns on `masterPort`.
// `options` are the pools.yaml target options that reach its control channel; `port` is its DNS port (a
// pool nameserver). A target can be stopped and started again on the same ports, as an operator's would.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { knotBaseConfig } from '../../native-bench/lib/knot.ts';
import { nsdServerSection } from './nsd-secondary.ts';
import { startServer as startProcess, stopServer, type Server } from '../../native-bench/lib/proc.ts';
import type { HostPort } from '../../services/storage/storage.ts';
import { bindBaseOptions } from './bind-secondary.ts';
import { soaOf } from './backend-checks.ts';
import { tool } from './tools.ts';
import { until } from './until.ts';

export type TargetType = 'bind9' | 'knot2' | 'nsd4' | 'pdns4';

export interface TargetDaemon {
  type: TargetType;
  /** Its DNS port on 127.0.0.1. */
  port: number;
  dir: string;
  masters: HostPort[];
  options: Record<string, string>;
  /** Options of the same type whose control channel nobody answers. */
  unreachableOptions(): Promise<Record<string, string>>;
  /** Kills the daemon (state kept): its control channel and DNS stop answering. */
  stop(): Promise<void>;
  /** Starts it again on the same ports and state; resolves once it answers DNS. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  cleanup(): Promise<void>;
  /** Its last lines of output, for a failure's message. */
  tail(): string[];
}

interface Recipe {
  /** Writes the configuration; returns the command line and the target options. */
  setup(dir: string, port: number, masterPort: number): Promise<{ cmd: string; args: string[]; options: Record<string, string>; unreachable: () => Promise<Record<string, string>> }>;
}

const RECIPES: Record<TargetType, () => Recipe | null> = {
  bind9() {
    const named = tool('named', 'bind9');
    const rndc = tool('rndc', 'bind9-utils');
    if (!named || !rndc) return null;
    return {
      async setup(dir, port) {
        const rndcPort = await freePort();
        const key = `key "rndc-key" { algorithm hmac-sha256; secret "${randomBytes(32).toString('base64')}"; };\n`;
        writeFileSync(join(dir, 'rndc.key'), key);
        writeFileSync(join(dir, 'named.conf'), `${key}options {
${bindBaseOptions(dir, port)}
  allow-new-zones yes;
  # BIND sends refresh SOA queries through a rate limiter that, at the default 20 a second, releases them
  # in batches every 500 ms: a NOTIFY within half a second of another waits that long.
  serial-query-rate 1000;
};
controls { inet 127.0.0.1 port ${rndcPort} allow { 127.0.0.1; } keys { "rndc-key"; }; };
`);
        const rndcOptions = { rndc, rndc_host: '127.0.0.1', rndc_key_file: join(dir, 'rndc.key'), rndc_timeout: '3' };
        return {
          cmd: named, args: ['-g', '-u', 'root', '-c', join(dir, 'named.conf')],
          options: { ...rndcOptions, rndc_port: String(rndcPort), clean_zonefile: 'true' },
          unreachable: async () => ({ ...rndcOptions, rndc_port: String(await freePort()) }),
        };
      },
    };
  },
  knot2() {
    const knotd = tool('knotd', 'knot');
    const knotc = tool('knotc', 'knot');
    if (!knotd || !knotc) return null;
    return {
      async setup(dir, port) {
        // Zone files in `dir` too: knotd's default template keeps them in /var/lib/knot, where a file left by an
        // earlier run with a newer serial would make this knotd refuse every transfer from mdns.
        writeFileSync(join(dir, 'knot.conf'), `${knotBaseConfig(dir, port)}\ntemplate:\n  - id: default\n    storage: "${dir}"\n`);
        return {
          cmd: knotd, args: ['-c', join(dir, 'knot.conf')],
          options: { knotc, control_socket: join(dir, 'knot.sock') },
          unreachable: async () => ({ knotc, control_socket: join(dir, 'absent.sock') }),
        };
      },
    };
  },
  nsd4() {
    const nsd = tool('nsd', 'nsd');
    const nsdControl = tool('nsd-control', 'nsd');
    const nsdControlSetup = tool('nsd-control-setup', 'nsd');
    if (!nsd || !nsdControl || !nsdControlSetup) return null;
    return {
      async setup(d, port, masterPort) {
        const controlPort = await freePort();
        execFileSync(nsdControlSetup, ['-d', d], { stdio: 'ignore' });
        writeFileSync(join(d, 'nsd.conf'), `${nsdServerSection(d, port)}remote-control:
  control-enable: yes
  control-interface: 127.0.0.1
  control-port: ${controlPort}
  server-key-file: "${d}/nsd_server.key"
  server-cert-file: "${d}/nsd_server.pem"
  control-key-file: "${d}/nsd_control.key"
  control-cert-file: "${d}/nsd_control.pem"
pattern:
  name: zonecast
  zonefile: "%s.zone"
  request-xfr: 127.0.0.1@${masterPort} NOKEY
  allow-notify: 127.0.0.1 NOKEY
`);
        // Designate's way to reach nsd-control: host, port and the TLS files.
        const base = { nsd_control: nsdControl, keyfile: join(d, 'nsd_control.key'), certfile: join(d, 'nsd_control.pem'), ca_certs: join(d, 'nsd_server.pem') };
        return {
          cmd: nsd, args: ['-d', '-c', join(d, 'nsd.conf')],
          options: { ...base, host: '127.0.0.1', port: String(controlPort), pattern: 'zonecast' },
          unreachable: async () => ({ ...base, host: '127.0.0.1', port: String(await freePort()) }),
        };
      },
    };
  },
  pdns4() {
    const pdns = tool('pdns_server', 'pdns-server');
    if (!pdns) return null;
    return {
      async setup(dir, port) {
        const apiPort = await freePort();
        const db = new DatabaseSync(join(dir, 'pdns.db'));
        db.exec(readFileSync('/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql', 'utf8'));
        db.close();
        writeFileSync(join(dir, 'pdns.conf'), [
          'launch=gsqlite3', `gsqlite3-database=${join(dir, 'pdns.db')}`, 'local-address=127.0.0.1', `local-port=${port}`,
          'secondary=yes', 'api=yes', 'api-key=test-key', 'webserver=yes', 'webserver-address=127.0.0.1', `webserver-port=${apiPort}`,
          'webserver-allow-from=127.0.0.0/8', `socket-dir=${dir}`, 'allow-notify-from=127.0.0.0/8',
          // Its packet and query caches would answer the old SOA for up to 20 s after a transfer.
          'cache-ttl=0', 'query-cache-ttl=0', '',
        ].join('\n'));
        return {
          cmd: pdns, args: [`--config-dir=${dir}`, '--daemon=no', '--guardian=no', '--disable-syslog', '--write-pid=no'],
          options: { api_endpoint: `http://127.0.0.1:${apiPort}`, api_token: 'test-key' },
          unreachable: async () => ({ api_endpoint: `http://127.0.0.1:${await freePort()}`, api_token: 'test-key' }),
        };
      },
    };
  },
};

/** A running target of `type` pulling from mdns on `masterPort`; null when its daemon is not installed (outside CI). */
export async function startTarget(type: TargetType, masterPort: number): Promise<TargetDaemon | null> {
  const recipe = RECIPES[type]();
  if (recipe === null) return null;
  const dir = mkdtempSync(join(tmpdir(), `zonecast-${type}-`));
  const port = await freePort();
  const { cmd, args, options, unreachable } = await recipe.setup(dir, port, masterPort);
  let server: Server | null = null;
  const daemon: TargetDaemon = {
    type, port, dir,
    masters: [{ host: '127.0.0.1', port: masterPort }],
    options,
    unreachableOptions: unreachable,
    async stop() {
      if (server) await stopServer(server);
      server = null;
    },
    async start() {
      server = startProcess(type, cmd, args);
      await until(`${type} answering`, async () => (await soaOf(port, 'zonecast-probe.test.')).rcode !== 'TIMEOUT');
    },
    tail: () => server?.tail ?? [],
    async cleanup() {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await daemon.start();
  return daemon;
}
