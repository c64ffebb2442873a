// zonecast command line: `zonecast start` (api + central + mdns over the embedded defaults), one service per
// process (`zonecast central`, `api`, `mdns`, `worker`, `producer`, `sink`; mdns also over a zone-file directory alone) and `zonecast manage`. bin/zonecast.ts loads this after
// turning on Node's compile cache.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startAll } from './all.ts';
import { updatePools } from './central/pool-update.ts';
import { parsePoolsYaml } from './central/pools-yaml.ts';
import { configPlaces, defaultPlaces, readConfigPlaces } from './config/oslo-files.ts';
import { readSettings } from './designate-mdns/options.ts';
import { startDesignateMdns } from './designate-mdns/run.ts';
import { followParent, startWorkers, WORKER_ENV } from './designate-mdns/workers.ts';
import { loadConfig, optionHelp, OPTIONS, preparedStorageUrl, type Config, type ConfigValue } from './config/options.ts';
import { createLogger, type Logger } from './log.ts';
import { startMdns } from './mdns/run.ts';
import { serveConfiguredMetrics, serveMetrics } from './metrics/registry.ts';
import { runApi, runCentral, runProducer, runSink, runStoredMdns, runWorker } from './processes.ts';
import { dbSync, openStorage, redactUrl } from './storage/open.ts';
import { LATEST_VERSION } from './storage/schema.ts';

const HELP = `usage: zonecast <command> [options]

commands:
  start                       api (127.0.0.1:9001) + central + mdns (127.0.0.1:5354) in one process, over SQLite
                              in state_path (or [storage] connection); zones created through the API answer DNS
  central                     central alone: Designate's rules over [storage] connection, serving calls on the
                              message bus ([DEFAULT] transport_url); run as many as you like
  api                         the v2 API alone, calling whichever central answers over the message bus
  producer                    periodic tasks (zone_purge, worker_periodic_recovery) over this instance's share
                              of the zones, shared out through [coordination] backend_url
  sink                        Nova's and Neutron's notifications on RabbitMQ turned into managed records
                              ([service:sink] enabled_notification_handlers)
  worker                      the worker alone: zones of pools with targets created on, NOTIFYed to and polled
                              from the pools' nameservers (BIND, Knot, NSD, PowerDNS); run as many as you like
  mdns                        the DNS engine alone: the zones of [service:mdns] zones_dir (--zones DIR), else
                              the zones stored in [storage] connection, kept current over the message bus
  designate-mdns [--config-file FILE ...] [--config-dir DIR ...]
                              in place of designate-mdns inside a running Designate: serves the zones of
                              Designate's own database ([storage:sqlalchemy] connection, SELECT only), reading
                              Designate's configuration files as oslo.config does (default
                              /etc/designate/designate.conf); see the README, "Replacing designate-mdns"
  manage db-sync              create or upgrade the database schema of [storage] connection (--connection URL)
  manage pool-update --file FILE
                              create or update the pools of a Designate pools.yaml in [storage] connection
                              (--connection URL); pools match by name, 'default' gets the default pool id

Every option comes from, in this order: its flag, the environment as ZONECAST_<SECTION>_<OPTION> (e.g.
ZONECAST_SERVICE_API_LISTEN, ZONECAST_DEFAULT_STATE_PATH), a designate.conf-style file (--config FILE), the
default. Flag, option in the config file's section, meaning:

[DEFAULT]
${optionHelp('DEFAULT')}

[storage]
${optionHelp('storage')}

[service:api]
${optionHelp('service:api')}

[oslo_middleware]
${optionHelp('oslo_middleware')}

[keystone_authtoken]
${optionHelp('keystone_authtoken')}

[service:central]
${optionHelp('service:central')}

[producer_task:increment_serial]
${optionHelp('producer_task:increment_serial')}

[service:mdns]
${optionHelp('service:mdns')}

[service:worker]
${optionHelp('service:worker')}

[service:producer]
${optionHelp('service:producer')}

[service:sink]
${optionHelp('service:sink')}

[handler:nova_fixed]
${optionHelp('handler:nova_fixed')}

[handler:neutron_floatingip]
${optionHelp('handler:neutron_floatingip')}

[coordination]
${optionHelp('coordination')}

[producer_task:delayed_notify]
${optionHelp('producer_task:delayed_notify')}

[producer_task:zone_purge]
${optionHelp('producer_task:zone_purge')}

[producer_task:worker_periodic_recovery]
${optionHelp('producer_task:worker_periodic_recovery')}

[heartbeat_emitter]
${optionHelp('heartbeat_emitter')}

[oslo_messaging_rabbit]
${optionHelp('oslo_messaging_rabbit')}

Lists (listen, allow_transfer, also_notifies, tsig_keys, supported_record_type) are comma-separated in the
file and the environment; their flags repeat. \`start\` allows zone transfers from loopback unless
allow_transfer says otherwise. In zones_dir, every *.zone file is served, named after the file unless it
opens with $ORIGIN, and an optional zones.yaml sets allow_transfer, also_notify and masters per zone.
Zone files are reloaded when they change, or on SIGHUP; a reload must increase the serial.
Logs are JSON lines on stdout; ZONECAST_LOG_LEVEL=debug|info|warn|error sets the level.
SIGTERM or SIGINT closes the sockets and exits.
`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return;
  }
  if (command === 'start') return runAll(rest);
  if (command === 'mdns') return runMdns(rest);
  if (command === 'central') return runService(rest, 'central', ['service:central', 'storage', 'DEFAULT']);
  if (command === 'api') return runService(rest, 'api', ['service:api', 'DEFAULT']);
  if (command === 'worker') return runService(rest, 'worker', ['service:worker', 'storage', 'DEFAULT']);
  if (command === 'producer') return runService(rest, 'producer', ['service:producer', 'storage', 'DEFAULT']);
  if (command === 'sink') return runService(rest, 'sink', ['DEFAULT']);
  if (command === 'manage') return runManage(rest);
  if (command === 'designate-mdns') return runDesignateMdns(rest);
  throw new UsageError(`unknown command '${command}'`);
}

class UsageError extends Error {}

/** parseArgs options for every flag of a section's options; list options repeat. */
function flagsOf(section: string): Record<string, { type: 'string'; multiple?: boolean }> {
  const flags: Record<string, { type: 'string'; multiple?: boolean }> = { config: { type: 'string' } };
  for (const o of OPTIONS) if (o.section === section && o.flag) flags[o.flag] = o.type === 'list' ? { type: 'string', multiple: true } : { type: 'string' };
  return flags;
}


async function runManage(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  if (action === 'pool-update') return runPoolUpdate(rest);
  if (action !== 'db-sync') throw new UsageError(`unknown manage command '${action ?? ''}' (known: db-sync, pool-update)`);
  const { values } = parseArgs({ args: rest, options: flagsOf('storage'), strict: true });
  const config = loadConfig({ file: values.config as string | undefined, env: process.env, cli: values });
  const url = preparedStorageUrl(config);
  const version = await dbSync(url);
  process.stdout.write(`${redactUrl(url)}: schema at version ${version}\n`);
}

/** `manage pool-update --file pools.yaml`: one line per pool, `NAME ID created|updated|unchanged`. */
async function runPoolUpdate(args: string[]): Promise<void> {
  const options = { ...flagsOf('storage'), file: { type: 'string' as const } };
  const { file, ...cli } = parseArgs({ args, options, strict: true }).values as Record<string, string | string[] | undefined>;
  if (typeof file !== 'string') throw new UsageError('pool-update needs --file FILE (a pools.yaml)');
  const config = loadConfig({ file: cli.config as string | undefined, env: process.env, cli });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const pools = parsePoolsYaml(text);
  const url = preparedStorageUrl(config);
  const storage = await openStorage(url);
  try {
    const version = await storage.version();
    if (version < LATEST_VERSION) {
      throw new Error(`${redactUrl(url)}: schema at version ${version}, not ${LATEST_VERSION}; run 'zonecast manage db-sync' first`);
    }
    const central = <T extends ConfigValue>(name: string) => config.get<T>('service:central', name);
    const options = { defaultPoolId: central<string>('default_pool_id'), managedResourceEmail: central<string>('managed_resource_email') };
    for (const result of await updatePools(storage, pools, options)) {
      process.stdout.write(`${result.name} ${result.id} ${result.outcome}\n`);
      for (const warning of result.warnings) process.stderr.write(`zonecast: pool ${result.name}: ${warning}\n`);
      if (result.zonesRewritten > 0) {
        process.stderr.write(`zonecast: pool ${result.name}: ns_records changed: ${result.zonesRewritten} zone(s) have the new NS RRset; ` +
          "the producer's delayed_notify task announces them\n");
      }
    }
  } finally {
    await storage.close();
  }
}

async function runMdns(args: string[]): Promise<void> {
  const config = configFrom(args, ['service:mdns', 'storage', 'DEFAULT']);
  const log = createLogger('mdns');
  if (config.get<string>('service:mdns', 'zones_dir') === '') {
    return onSignals(log, runStoredMdns(config, log).then((service) => ({ close: service.close, reload: service.mdns!.reloadFiles })));
  }
  return onSignals(log, startMdns(config, log).then(async (mdns) => {
    const closeMetrics = await serveConfiguredMetrics(config, ['mdns'], log);
    return { close: async () => { await closeMetrics(); await mdns.close(); }, reload: mdns.reloadFiles };
  }));
}

async function runDesignateMdns(args: string[]): Promise<void> {
  const { places, rest } = configPlaces(args);
  if (rest.length > 0) throw new UsageError(`designate-mdns takes --config-file and --config-dir only, not '${rest[0]}'`);
  const { doc, files } = readConfigPlaces(places.length > 0 ? places : defaultPlaces('designate', 'designate-mdns'));
  if (files.length === 0) throw new UsageError('designate-mdns found no configuration file: give --config-file /etc/designate/designate.conf');
  const settings = readSettings(doc, process.env);
  // A worker process (workers.ts) answers; heartbeats and metrics are its parent's.
  const worker = process.env[WORKER_ENV];
  const log = createLogger(worker === undefined ? 'designate-mdns' : `designate-mdns-worker-${worker}`);
  if (worker === undefined) log.info({ files }, 'configuration read');
  const started = startDesignateMdns(worker === undefined ? settings : { ...settings, heartbeats: false }, log).then(async (mdns) => {
    if (worker !== undefined) return { close: mdns.close, reload: async () => {} };
    const workers = settings.workers > 1 ? startWorkers(settings.workers - 1, log) : null;
    const metrics = settings.metricsListen === '' ? null : await serveMetrics(settings.metricsListen, log);
    return { close: async () => { await workers?.close(); await metrics?.close(); await mdns.close(); }, reload: async () => {} };
  });
  // From the start: a parent that dies while this worker is still starting must stop it too.
  if (worker !== undefined) followParent(() => void started.then((mdns) => mdns.close(), () => {}).finally(() => process.exit(0)));
  return onSignals(log, started);
}

const SERVICES = { central: runCentral, api: runApi, worker: runWorker, producer: runProducer, sink: runSink };

async function runService(args: string[], name: keyof typeof SERVICES, sections: string[]): Promise<void> {
  const config = configFrom(args, sections);
  const log = createLogger(name);
  return onSignals(log, SERVICES[name](config, log).then((service) => ({ close: service.close, reload: async () => {} })));
}

async function runAll(args: string[]): Promise<void> {
  const config = configFrom(args, ['service:mdns', 'service:api', 'service:worker', 'storage', 'DEFAULT']);
  const log = createLogger('zonecast');
  return onSignals(log, startAll(config, log).then((all) => ({ close: all.close, reload: all.mdns.reloadFiles })));
}

/** The configuration from --config FILE, the environment and the flags of these sections' options. */
function configFrom(args: string[], sections: readonly string[]): Config {
  const options = Object.assign({}, ...sections.map(flagsOf)) as ReturnType<typeof flagsOf>;
  const { values } = parseArgs({ args, options, strict: true });
  return loadConfig({ file: values.config as string | undefined, env: process.env, cli: values });
}

/**
 * SIGTERM/SIGINT close everything and exit; SIGHUP re-reads changed zone files. The handlers are in place
 * before the services start: a stop during start-up waits for it and then closes cleanly (mdns writes its
 * zone images), where Node's default would kill the process on the spot. Resolves once started.
 */
async function onSignals(log: Logger, started: Promise<{ close(): Promise<void>; reload(): Promise<void> }>): Promise<void> {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // A start that failed is reported by main(), which exits.
    const service = await started.catch(() => null);
    if (service === null) return;
    await service.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGHUP', () => {
    log.info({ signal: 'SIGHUP' }, 'reloading changed zone files');
    void started.then((service) => service.reload(), () => {});
  });
  await started;
}

main(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`zonecast: ${err.message}\n${err instanceof UsageError ? "run 'zonecast --help' for usage\n" : ''}`);
  process.exit(2);
});
