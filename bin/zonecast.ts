#!/usr/bin/env node
// zonecast command line: `zonecast start` (everything, embedded defaults) and `zonecast mdns` (the DNS
// engine on its own). Run through npm scripts or npx so that Node 24 from node_modules is used.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { UDP_IO_MODES } from '../engine/net/udp-listener.ts';
import { CompilePool } from '../engine/pool/compile-pool.ts';
import { parseTsigKeySpec } from '../engine/tsig/keys.ts';
import { createLogger } from '../services/log.ts';
import { parseEndpoint } from '../services/mdns/endpoint.ts';
import { MDNS_DEFAULTS, MdnsServer } from '../services/mdns/server.ts';
import { ZoneDirectory } from '../services/mdns/zone-directory.ts';
import { Notifier, NOTIFY_DEFAULTS, parseRemote } from '../services/mdns/notifier.ts';
import { NotifyPool } from '../engine/notify/notify-pool.ts';
import { CATALOG_DEFAULTS } from '../engine/catalog/catalog.ts';
import { CatalogService } from '../services/mdns/catalog.ts';
import { JOURNAL_DEFAULTS } from '../engine/xfr/journal.ts';

const HELP = `usage: zonecast <command> [options]

commands:
  start                       serve the demo zones in fixtures/zones on 127.0.0.1:5354 (UDP and TCP)
  mdns --zones DIR            serve every *.zone master file in DIR

mdns options:
  --zones DIR                 directory of master files; the origin is the file name (example.com.zone)
                              unless the file opens with $ORIGIN. An optional DIR/zones.yaml sets
                              allow_transfer, also_notify and masters (secondary zones) per zone
  --listen HOST:PORT          address to serve on, repeatable; IPv6 as [::1]:5354 (default 127.0.0.1:5354)
  --udp-payload-size N        largest UDP response and the size advertised in EDNS (default ${MDNS_DEFAULTS.udpPayloadSize})
  --udp-receive-buffer BYTES  SO_RCVBUF for UDP sockets (default ${MDNS_DEFAULTS.udpReceiveBuffer})
  --udp-io MODE               batched (recvmmsg/sendmmsg through the addon npm install builds), dgram (Node's),
                              or auto: batched when the addon is built (default ${MDNS_DEFAULTS.udpIo})
  --tcp-idle-timeout SECONDS  close TCP connections idle this long (default ${MDNS_DEFAULTS.tcpIdleTimeout})
  --tcp-message-timeout SECONDS  a started TCP message must arrive whole within this (default ${MDNS_DEFAULTS.tcpMessageTimeout})
  --tcp-max-connections N     concurrent TCP connections per address (default ${MDNS_DEFAULTS.tcpMaxConnections})
  --response-cache-size N     cached responses, 0 to disable (default ${MDNS_DEFAULTS.responseCacheSize})
  --max-message-size N        largest AXFR/IXFR message, 2048..65535 (default ${MDNS_DEFAULTS.maxMessageSize})
  --journal-dir DIR           IXFR journals, one file per zone (default data/journal)
  --journal-max-entries N     serial steps kept per zone (default ${JOURNAL_DEFAULTS.maxEntries})
  --journal-max-bytes BYTES   journal size per zone (default ${JOURNAL_DEFAULTS.maxBytes})
  --tsig [ALG:]NAME:SECRET    a TSIG key (kdig -y format; ALG defaults to hmac-sha256), repeatable
  --notify HOST:PORT[,key=NAME]  send NOTIFY for every new serial to this secondary (Designate's
                              also_notifies), signed with a --tsig key if given; repeatable
  --notify-retries N          retransmissions of an unanswered NOTIFY (default ${NOTIFY_DEFAULTS.retries})
  --notify-timeout MS         wait for the first answer, doubled on each retry (default ${NOTIFY_DEFAULTS.initialTimeoutMs})
  --catalog-zone NAME         also serve a catalog zone (RFC 9432) listing every zone served, so secondaries
                              such as Knot and BIND add and drop zones by themselves
  --catalog-refresh SECONDS   SOA refresh of the catalog (default ${CATALOG_DEFAULTS.refresh}, Designate's catalog_zone_refresh)
  --allow-transfer PREFIX     who may AXFR/IXFR: an address or prefix (192.0.2.0/24, ::1), or key=NAME for a
                              TSIG key; repeatable. Without it nobody may transfer (start allows loopback)
  --compile-threads N         pool threads that compile zones (default: cores - 1, at least 1)

Zone files are reloaded when they change, or on SIGHUP; a reload must increase the serial.
Logs are JSON lines on stdout; ZONECAST_LOG_LEVEL=debug|info|warn|error sets the level.
SIGTERM or SIGINT closes the sockets and exits.
`;

const DEMO_ZONES = resolve(import.meta.dirname, '../fixtures/zones');

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return;
  }
  if (command === 'start') return runMdns(['--zones', DEMO_ZONES, '--allow-transfer', '127.0.0.0/8', '--allow-transfer', '::1', ...rest]);
  if (command === 'mdns') return runMdns(rest);
  throw new UsageError(`unknown command '${command}'`);
}

class UsageError extends Error {}

function numberOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} takes a non-negative number, not '${value}'`);
  return n;
}

function choiceOption<T extends string>(value: string | undefined, name: string, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!choices.includes(value as T)) throw new UsageError(`--${name} takes one of ${choices.join(', ')}, not '${value}'`);
  return value as T;
}

async function runMdns(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      zones: { type: 'string' },
      listen: { type: 'string', multiple: true },
      'udp-payload-size': { type: 'string' },
      'udp-receive-buffer': { type: 'string' },
      'udp-io': { type: 'string' },
      'tcp-idle-timeout': { type: 'string' },
      'tcp-message-timeout': { type: 'string' },
      'tcp-max-connections': { type: 'string' },
      'response-cache-size': { type: 'string' },
      'max-message-size': { type: 'string' },
      'allow-transfer': { type: 'string', multiple: true },
      tsig: { type: 'string', multiple: true },
      notify: { type: 'string', multiple: true },
      'notify-retries': { type: 'string' },
      'notify-timeout': { type: 'string' },
      'journal-dir': { type: 'string' },
      'catalog-zone': { type: 'string' },
      'catalog-refresh': { type: 'string' },
      'journal-max-entries': { type: 'string' },
      'journal-max-bytes': { type: 'string' },
      'compile-threads': { type: 'string' },
    },
    strict: true,
  });
  if (values.zones === undefined) throw new UsageError('mdns needs --zones DIR');
  const log = createLogger('mdns');
  const d = MDNS_DEFAULTS;
  const server = await MdnsServer.start({
    listen: (values.listen ?? ['127.0.0.1:5354']).map((l) => parseEndpoint(l)),
    udpPayloadSize: numberOption(values['udp-payload-size'], 'udp-payload-size', d.udpPayloadSize),
    udpReceiveBuffer: numberOption(values['udp-receive-buffer'], 'udp-receive-buffer', d.udpReceiveBuffer),
    udpIo: choiceOption(values['udp-io'], 'udp-io', UDP_IO_MODES, d.udpIo),
    tcpIdleTimeout: numberOption(values['tcp-idle-timeout'], 'tcp-idle-timeout', d.tcpIdleTimeout),
    tcpMessageTimeout: numberOption(values['tcp-message-timeout'], 'tcp-message-timeout', d.tcpMessageTimeout),
    tcpMaxConnections: numberOption(values['tcp-max-connections'], 'tcp-max-connections', d.tcpMaxConnections),
    responseCacheSize: numberOption(values['response-cache-size'], 'response-cache-size', d.responseCacheSize),
    allowTransfer: values['allow-transfer'] ?? d.allowTransfer,
    tsigKeys: (values.tsig ?? []).map((spec) => parseTsigKeySpec(spec)),
    maxMessageSize: numberOption(values['max-message-size'], 'max-message-size', d.maxMessageSize),
  }, log);
  const threads = values['compile-threads'] === undefined ? undefined : Math.max(1, numberOption(values['compile-threads'], 'compile-threads', 1));
  const pool = new CompilePool(threads);
  const notifyPool = new NotifyPool();
  const notifier = new Notifier(notifyPool, {
    targets: (values.notify ?? []).map((t) => parseRemote(t, server.keyring)),
    retries: numberOption(values['notify-retries'], 'notify-retries', NOTIFY_DEFAULTS.retries),
    initialTimeoutMs: numberOption(values['notify-timeout'], 'notify-timeout', NOTIFY_DEFAULTS.initialTimeoutMs),
  }, log);
  const journal = {
    maxEntries: numberOption(values['journal-max-entries'], 'journal-max-entries', JOURNAL_DEFAULTS.maxEntries),
    maxBytes: numberOption(values['journal-max-bytes'], 'journal-max-bytes', JOURNAL_DEFAULTS.maxBytes),
  };
  // Created before the directory loads: a zone file named like the catalog then loses to the catalog.
  const catalog = values['catalog-zone'] === undefined ? null : new CatalogService(server.zones, pool, {
    name: values['catalog-zone'], xfr: server.xfr, journal,
    catalog: { refresh: numberOption(values['catalog-refresh'], 'catalog-refresh', CATALOG_DEFAULTS.refresh) },
    onServing: (zone, snapshot) => notifier.announce(zone, snapshot),
  }, log);
  const directory: ZoneDirectory = new ZoneDirectory(server.zones, pool, {
    dir: resolve(values.zones),
    keyring: server.keyring,
    journalDir: resolve(values['journal-dir'] ?? 'data/journal'),
    journal,
    xfr: server.xfr,
    onServing: (zone, snapshot) => {
      notifier.announce(zone, snapshot, directory.alsoNotifyOf(zone));
      void catalog?.update();
    },
    onRemoved: () => void catalog?.update(),
  }, log);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    catalog?.close();
    directory.close();
    await server.close();
    await Promise.all([pool.close(), notifyPool.close()]);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGHUP', () => {
    log.info({ signal: 'SIGHUP' }, 'reloading changed zone files');
    void directory.sync();
  });
  const summary = await directory.sync();
  log.info({ ...summary, zones: server.zones.size }, 'zone directory loaded');
  // After the first load, so consumers never see a catalog of only the zones that compiled first.
  await catalog?.start();
  directory.watch();
}

main(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`zonecast: ${err.message}\n${err instanceof UsageError ? "run 'zonecast --help' for usage\n" : ''}`);
  process.exit(2);
});
