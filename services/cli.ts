// zonecast command line: `zonecast start` (everything, embedded defaults) and `zonecast mdns` (the DNS
// engine on its own). bin/zonecast.ts loads this after turning on Node's compile cache.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { UDP_IO_MODES, type UdpIo } from '../engine/net/udp-listener.ts';
import { CompilePool } from '../engine/pool/compile-pool.ts';
import { parseTsigKeySpec } from '../engine/tsig/keys.ts';
import { createLogger } from './log.ts';
import { parseEndpoint } from './mdns/endpoint.ts';
import { MdnsServer } from './mdns/server.ts';
import { ZoneDirectory } from './mdns/zone-directory.ts';
import { Notifier, parseRemote } from './mdns/notifier.ts';
import { NotifyPool } from '../engine/notify/notify-pool.ts';
import { CatalogService } from './mdns/catalog.ts';
import { loadConfig, optionHelp, OPTIONS, type ConfigValue } from './config/options.ts';
import { dbSync, redactUrl } from './storage/open.ts';

const HELP = `usage: zonecast <command> [options]

commands:
  start                       serve the demo zones in fixtures/zones on 127.0.0.1:5354 (UDP and TCP)
  mdns                        the DNS engine: serve the zones of [service:mdns] zones_dir (--zones DIR)
  manage db-sync              create or upgrade the database schema of [storage] connection (--connection URL)

[storage] options:
${optionHelp('storage')}

[service:mdns] options (flag, option in the config file's section, meaning):
  --config FILE            a designate.conf-style file; every option can also come from the environment
                           as ZONECAST_SERVICE_MDNS_<OPTION> (command line > environment > file > default)
${optionHelp('service:mdns')}

Lists (listen, allow_transfer, also_notifies, tsig_keys) are comma-separated in the file and the
environment; their flags repeat. In zones_dir, every *.zone file is served, named after the file unless it
opens with $ORIGIN, and an optional zones.yaml sets allow_transfer, also_notify and masters per zone.
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
  if (command === 'manage') return runManage(rest);
  throw new UsageError(`unknown command '${command}'`);
}

class UsageError extends Error {}

/** parseArgs options for every flag of a section's options; list options repeat. */
function flagsOf(section: string): Record<string, { type: 'string'; multiple?: boolean }> {
  const flags: Record<string, { type: 'string'; multiple?: boolean }> = { config: { type: 'string' } };
  for (const o of OPTIONS) if (o.section === section && o.flag) flags[o.flag] = o.type === 'list' ? { type: 'string', multiple: true } : { type: 'string' };
  return flags;
}

function nonNegative(value: number, option: string): number {
  if (value < 0) throw new UsageError(`${option} must not be negative`);
  return value;
}

async function runManage(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  if (action !== 'db-sync') throw new UsageError(`unknown manage command '${action ?? ''}' (known: db-sync)`);
  const { values } = parseArgs({ args: rest, options: flagsOf('storage'), strict: true });
  const config = loadConfig({ file: values.config as string | undefined, env: process.env, cli: values });
  const url = config.get<string>('storage', 'connection');
  const version = await dbSync(url);
  process.stdout.write(`${redactUrl(url)}: schema at version ${version}\n`);
}

async function runMdns(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: flagsOf('service:mdns'), strict: true });
  const config = loadConfig({ file: values.config as string | undefined, env: process.env, cli: values });
  const opt = <T extends ConfigValue>(name: string) => config.get<T>('service:mdns', name);
  const zonesDir = opt<string>('zones_dir');
  if (zonesDir === '') throw new UsageError('mdns needs a zone directory: --zones DIR or [service:mdns] zones_dir');
  const udpIo = opt<string>('udp_io');
  if (!UDP_IO_MODES.includes(udpIo as UdpIo)) throw new UsageError(`udp_io must be one of ${UDP_IO_MODES.join(', ')}, not '${udpIo}'`);
  const log = createLogger('mdns');
  const server = await MdnsServer.start({
    listen: opt<string[]>('listen').map((l) => parseEndpoint(l)),
    udpPayloadSize: opt<number>('udp_payload_size'),
    udpReceiveBuffer: nonNegative(opt<number>('udp_receive_buffer'), 'udp_receive_buffer'),
    udpIo: udpIo as UdpIo,
    tcpIdleTimeout: nonNegative(opt<number>('tcp_idle_timeout'), 'tcp_idle_timeout'),
    tcpMessageTimeout: nonNegative(opt<number>('tcp_message_timeout'), 'tcp_message_timeout'),
    tcpMaxConnections: nonNegative(opt<number>('tcp_max_connections'), 'tcp_max_connections'),
    responseCacheSize: nonNegative(opt<number>('response_cache_size'), 'response_cache_size'),
    allowTransfer: opt<string[]>('allow_transfer'),
    tsigKeys: opt<string[]>('tsig_keys').map((spec) => parseTsigKeySpec(spec)),
    maxMessageSize: opt<number>('max_message_size'),
  }, log);
  const threads = opt<number>('compile_threads');
  const pool = new CompilePool(threads > 0 ? threads : undefined);
  const notifyPool = new NotifyPool();
  const notifier = new Notifier(notifyPool, {
    targets: opt<string[]>('also_notifies').map((t) => parseRemote(t, server.keyring)),
    retries: nonNegative(opt<number>('notify_retries'), 'notify_retries'),
    initialTimeoutMs: nonNegative(opt<number>('notify_timeout'), 'notify_timeout'),
  }, log);
  const journal = { maxEntries: opt<number>('journal_max_entries'), maxBytes: opt<number>('journal_max_bytes') };
  // Created before the directory loads: a zone file named like the catalog then loses to the catalog.
  const catalogName = opt<string>('catalog_zone');
  const catalog = catalogName === '' ? null : new CatalogService(server.zones, pool, {
    name: catalogName, xfr: server.xfr, journal, catalog: { refresh: opt<number>('catalog_refresh') },
    onServing: (zone, snapshot) => notifier.announce(zone, snapshot),
  }, log);
  const directory: ZoneDirectory = new ZoneDirectory(server.zones, pool, {
    dir: resolve(zonesDir),
    keyring: server.keyring,
    journalDir: resolve(opt<string>('journal_dir')),
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
