// Every configuration option zonecast reads, in one registry: Designate's section and option names where
// Designate has one, a type, a default and a line of help. A value comes from the command line, else from
// an environment variable (ZONECAST_<SECTION>_<OPTION>, e.g. ZONECAST_SERVICE_MDNS_LISTEN), else from the
// config file, else the default.
import { mkdirSync, readFileSync } from 'node:fs';
import { CATALOG_DEFAULTS } from '../../engine/catalog/catalog.ts';
import { JOURNAL_DEFAULTS } from '../../engine/xfr/journal.ts';
import { CENTRAL_DEFAULTS } from '../central/context.ts';
import { MDNS_DEFAULTS } from '../mdns/server.ts';
import { NOTIFY_DEFAULTS } from '../mdns/notifier.ts';
import { AMQP_DEFAULTS } from '../messaging/amqp.ts';
import { AMQP_CONNECTION_DEFAULTS } from '../messaging/amqp-connection.ts';
import { DEFAULT_TOPICS } from '../messaging/bus.ts';
import { DEFAULT_CALL_TIMEOUT_MS } from '../messaging/transport.ts';
import { STORED_SYNC_DEFAULT } from '../mdns/stored-sync.ts';
import { WORKER_DEFAULTS } from '../worker/options.ts';
import { TASK_DEFAULTS } from '../producer/tasks.ts';
import { parseIni, type IniDocument } from './ini.ts';

export type OptionType = 'string' | 'int' | 'float' | 'bool' | 'list';

export interface OptionSpec {
  section: string;
  name: string;
  type: OptionType;
  default: string | number | boolean | string[];
  help: string;
  /** The command-line flag that sets it, when there is one. */
  flag?: string;
  /**
   * A list whose items carry parameters after a comma (`HOST:PORT,key=NAME`): in a file or the environment
   * a `name=value` part belongs to the item before it, not a new item.
   */
  itemParameters?: boolean;
  /** Other [section] option names read from config files, for files written for Designate. */
  aliases?: readonly { section: string; name: string }[];
}

const mdns = (name: string, type: OptionType, dflt: OptionSpec['default'], help: string, flag?: string): OptionSpec =>
  ({ section: 'service:mdns', name, type, default: dflt, help, flag });

const api = (name: string, type: OptionType, dflt: OptionSpec['default'], help: string, flag?: string): OptionSpec =>
  ({ section: 'service:api', name, type, default: dflt, help, flag });
const central = (name: string, type: OptionType, dflt: OptionSpec['default'], help: string): OptionSpec =>
  ({ section: 'service:central', name, type, default: dflt, help });
const worker = (name: string, type: OptionType, dflt: OptionSpec['default'], help: string, aliases?: OptionSpec['aliases']): OptionSpec =>
  ({ section: 'service:worker', name, type, default: dflt, help, aliases });
const rabbit = (name: string, type: OptionType, value: OptionSpec['default'], help: string): OptionSpec =>
  ({ section: 'oslo_messaging_rabbit', name, type, default: value, help });
const dflt = (name: string, type: OptionType, value: OptionSpec['default'], help: string, flag?: string): OptionSpec =>
  ({ section: 'DEFAULT', name, type, default: value, help, flag });

const TASK_HELP: Record<string, string> = {
  'delayed_notify.interval': 'seconds between announcements of zones whose NOTIFY was delayed (their pool\'s ns_records changed)',
  'delayed_notify.batch_size': 'zones announced per run at most, by each producer',
  'zone_purge.interval': 'seconds between purges of zones deleted long ago',
  'zone_purge.time_threshold': 'seconds a deleted zone is kept before it is purged',
  'zone_purge.batch_size': 'zones purged per run at most',
  'periodic_exists.interval': 'seconds between dns.zone.exists notifications for every zone',
  'periodic_exists.per_page': 'zones read per page',
  'periodic_secondary_refresh.interval': 'seconds between checks for SECONDARY zones not transferred for longer than their SOA refresh',
  'periodic_secondary_refresh.per_page': 'zones read per page',
  'worker_periodic_recovery.interval': 'seconds between re-drives of zones in ERROR or stuck PENDING (cast to a worker as recover_shard); 0: never',
};

/** `[service:<name>] metrics_listen` for each service without an HTTP port (the API serves /metrics on its own). */
const METRICS_SERVICES = ['central', 'mdns', 'worker', 'producer', 'sink'] as const;
const metricsListen = (service: string): OptionSpec => ({
  section: `service:${service}`, name: 'metrics_listen', type: 'string', default: '',
  help: 'HOST:PORT to serve Prometheus metrics on at /metrics (empty: none); every service of the process shows there',
  ...(service === 'mdns' ? { flag: 'metrics-listen' } : {}),
});

export const OPTIONS: readonly OptionSpec[] = [
  mdns('listen', 'list', ['127.0.0.1:5354'], 'addresses to serve DNS on, HOST:PORT, IPv6 as [::1]:5354', 'listen'),
  mdns('zones_dir', 'string', '', 'serve every *.zone master file of this directory (and its zones.yaml)', 'zones'),
  mdns('udp_payload_size', 'int', MDNS_DEFAULTS.udpPayloadSize, 'largest UDP response, advertised in EDNS', 'udp-payload-size'),
  mdns('udp_receive_buffer', 'int', MDNS_DEFAULTS.udpReceiveBuffer, 'SO_RCVBUF of UDP sockets', 'udp-receive-buffer'),
  mdns('udp_io', 'string', MDNS_DEFAULTS.udpIo, 'auto, batched (recvmmsg/sendmmsg addon) or dgram', 'udp-io'),
  mdns('tcp_idle_timeout', 'float', MDNS_DEFAULTS.tcpIdleTimeout, 'seconds a TCP connection may stay idle', 'tcp-idle-timeout'),
  mdns('tcp_message_timeout', 'float', MDNS_DEFAULTS.tcpMessageTimeout, 'seconds a started TCP message may take to arrive', 'tcp-message-timeout'),
  mdns('tcp_max_connections', 'int', MDNS_DEFAULTS.tcpMaxConnections, 'concurrent TCP connections per address', 'tcp-max-connections'),
  mdns('tcp_max_connections_per_source', 'int', MDNS_DEFAULTS.tcpMaxConnectionsPerSource, 'concurrent TCP connections one source address may hold; 0: no limit of its own', 'tcp-max-connections-per-source'),
  mdns('response_cache_size', 'int', MDNS_DEFAULTS.responseCacheSize, 'cached responses; 0 disables the cache', 'response-cache-size'),
  mdns('max_message_size', 'int', MDNS_DEFAULTS.maxMessageSize, 'largest AXFR/IXFR message', 'max-message-size'),
  mdns('allow_transfer', 'list', [], 'who may transfer: address prefixes and key=NAME entries', 'allow-transfer'),
  { ...mdns('also_notifies', 'list', [], 'NOTIFY targets for every new serial, HOST:PORT[,key=NAME]', 'notify'), itemParameters: true },
  mdns('tsig_keys', 'list', [], 'TSIG keys, [ALG:]NAME:SECRET as kdig -y takes them', 'tsig'),
  mdns('notify_retries', 'int', NOTIFY_DEFAULTS.retries, 'retransmissions of an unanswered NOTIFY', 'notify-retries'),
  mdns('notify_timeout', 'int', NOTIFY_DEFAULTS.initialTimeoutMs, 'milliseconds to wait for a NOTIFY answer, doubled per retry', 'notify-timeout'),
  mdns('journal_dir', 'string', 'data/journal', 'directory of the IXFR journals', 'journal-dir'),
  mdns('journal_max_entries', 'int', JOURNAL_DEFAULTS.maxEntries, 'serial steps kept per zone', 'journal-max-entries'),
  mdns('journal_max_bytes', 'int', JOURNAL_DEFAULTS.maxBytes, 'journal bytes kept per zone', 'journal-max-bytes'),
  mdns('catalog_zone', 'string', '', 'name of a catalog zone (RFC 9432) listing every zone served', 'catalog-zone'),
  mdns('catalog_refresh', 'int', CATALOG_DEFAULTS.refresh, 'SOA refresh of the catalog zone', 'catalog-refresh'),
  mdns('zone_images', 'bool', true, 'keep each stored zone\'s compiled image in state_path/zone-images: a restart serves a zone from it once storage confirms its serial', 'zone-images'),
  mdns('workers', 'int', 0, 'answering threads, each with UDP and TCP sockets of its own on every listen address; 0: one per core; 1: no thread, the main thread answers', 'workers'),
  mdns('compile_threads', 'int', 0, 'threads compiling zones; 0: cores - 1', 'compile-threads'),
  mdns('topic', 'string', DEFAULT_TOPICS.mdns, 'topic mdns serves (zone changes fan out to every instance)', 'mdns-topic'),
  mdns('sync_interval', 'float', STORED_SYNC_DEFAULT, 'seconds between comparisons of stored serials with the ones served (catches changes whose message was lost); 0: never', 'sync-interval'),
  api('listen', 'list', ['127.0.0.1:9001'], 'addresses of the v2 API, HOST:PORT', 'api-listen'),
  api('auth_strategy', 'string', 'noauth', 'noauth (trust X-Auth-Project-ID/X-Roles) or keystone (validate X-Auth-Token)', 'auth-strategy'),
  api('api_base_uri', 'string', '', 'base of the links in responses when enable_host_header is off'),
  api('enable_host_header', 'bool', true, 'build links from the request\'s Host header'),
  api('default_limit_v2', 'int', 20, 'page size of list calls without limit'),
  api('max_limit_v2', 'int', 1000, 'largest page size (and what limit=max means)'),
  api('maintenance_mode', 'bool', false, 'answer 503 to everyone without maintenance_mode_role'),
  ...METRICS_SERVICES.map(metricsListen),
  api('enable_metrics', 'bool', true, 'serve Prometheus metrics of the API requests and the process at /metrics on every API address'),
  api('maintenance_mode_role', 'string', 'admin', 'role that still gets through in maintenance mode'),
  { section: 'oslo_middleware', name: 'max_request_body_size', type: 'int', default: 1048576, help: 'largest request body in bytes (zone imports included); larger ones get 413 unread' },
  { section: 'healthcheck', name: 'disable_by_file_path', type: 'string', default: '', help: 'while this file exists /healthcheck answers 503 DISABLED BY FILE (oslo.middleware), to drain an API instance' },
  { section: 'oslo_middleware', name: 'enable_proxy_headers_parsing', type: 'bool', default: false, help: 'trust X-Forwarded-Proto and X-Forwarded-Host for links' },
  { section: 'keystone_authtoken', name: 'www_authenticate_uri', type: 'string', default: '', help: 'Keystone v3 endpoint that validates tokens (auth_strategy = keystone)', aliases: [{ section: 'keystone_authtoken', name: 'auth_url' }] },
  central('default_pool_id', 'string', CENTRAL_DEFAULTS.defaultPoolId, 'pool of new zones'),
  central('min_ttl', 'int', CENTRAL_DEFAULTS.minTtl, 'lowest TTL a non-admin may set; 0: no minimum (/v2/limits shows null, as Designate unset)'),
  central('max_zone_name_len', 'int', CENTRAL_DEFAULTS.maxZoneNameLength, 'longest zone name'),
  central('max_recordset_name_len', 'int', CENTRAL_DEFAULTS.maxRecordsetNameLength, 'longest recordset name'),
  central('topic', 'string', DEFAULT_TOPICS.central, 'topic central serves (queue names)'),
  central('managed_resource_email', 'string', CENTRAL_DEFAULTS.managedResourceEmail, 'SOA RNAME of secondary zones'),
  worker('topic', 'string', DEFAULT_TOPICS.worker, 'topic the worker serves (zone changes of pools with targets)'),
  worker('threshold_percentage', 'int', WORKER_DEFAULTS.thresholdPercentage, "share (0-100) of a pool's targets and nameservers that must succeed for ACTIVE", [{ section: 'service:worker', name: 'threshold-percentage' }]),
  worker('poll_timeout', 'float', WORKER_DEFAULTS.pollTimeout, 'seconds one SOA poll of a nameserver may take (at most 10 are waited)'),
  worker('poll_retry_interval', 'float', WORKER_DEFAULTS.pollRetryInterval, 'seconds between retry rounds of backend calls and serial polls'),
  worker('poll_max_retries', 'int', WORKER_DEFAULTS.pollMaxRetries, 'retry rounds of backend calls and serial polls before ERROR'),
  worker('poll_delay', 'float', WORKER_DEFAULTS.pollDelay, 'seconds of quick polls (from a few ms, backing off) right after the NOTIFY, before the retry rounds'),
  worker('threads', 'int', WORKER_DEFAULTS.threads, 'zone actions one worker runs at once'),
  ...Object.entries(TASK_DEFAULTS).flatMap(([task, values]) => Object.entries(values).map(([name, value]): OptionSpec =>
    ({ section: `producer_task:${task}`, name, type: 'float', default: value, help: TASK_HELP[`${task}.${name}`] ?? `${task}: ${name}` }))),
  { section: 'oslo_messaging_notifications', name: 'driver', type: 'list', default: [], help: 'messagingv2 (or messaging): send dns.zone.* and dns.recordset.* notifications over RabbitMQ; log: to the log; empty: none' },
  { section: 'oslo_messaging_notifications', name: 'topics', type: 'list', default: ['notifications'], help: 'topics notifications go to (routing key <topic>.info on control_exchange)' },
  { section: 'oslo_messaging_notifications', name: 'transport_url', type: 'string', default: '', help: 'broker for notifications (default: [DEFAULT] transport_url)' },
  { section: 'service:sink', name: 'enabled_notification_handlers', type: 'list', default: [], help: 'notification handlers the sink runs: nova_fixed, neutron_floatingip' },
  ...(['nova_fixed', 'neutron_floatingip'] as const).flatMap((handler): OptionSpec[] => {
    const section = `handler:${handler}`;
    const v4 = handler === 'nova_fixed' ? '%(hostname)s.%(zone)s' : '%(octet0)s-%(octet1)s-%(octet2)s-%(octet3)s.%(zone)s';
    const v6 = handler === 'nova_fixed' ? '%(hostname)s.%(zone)s' : '%(ip_address)s.%(zone)s';
    return [
      { section, name: 'zone_id', type: 'string', default: '', help: 'zone the records go into (required)' },
      { section, name: 'notification_topics', type: 'list', default: ['notifications'], help: 'topics listened to (queue <topic>.info)' },
      { section, name: 'control_exchange', type: 'string', default: handler === 'nova_fixed' ? 'nova' : 'neutron', help: 'exchange the notifications come on' },
      { section, name: 'formatv4', type: 'list', default: [v4], help: 'names of A records: %(field)s from the payload, %(zone)s, %(octet0)s..%(octet3)s, %(ip_address)s' },
      { section, name: 'formatv6', type: 'list', default: [v6], help: 'names of AAAA records, as formatv4' },
    ];
  }),
  { section: 'cache', name: 'enabled', type: 'bool', default: false, help: 'share compiled zone images across mdns instances through memcached (oslo.cache\'s name)' },
  { section: 'cache', name: 'memcache_servers', type: 'list', default: [], help: 'memcached servers, host:port; keys are spread over them by rendezvous hashing in the client' },
  { section: 'cache', name: 'memcache_dead_retry', type: 'float', default: 300, help: 'seconds a failed memcached server stays out of the ring before it is tried again' },
  { section: 'cache', name: 'memcache_socket_timeout', type: 'float', default: 1, help: 'seconds an operation may take before its server counts as failed' },
  { section: 'cache', name: 'expiration_time', type: 'int', default: 600, help: 'seconds a shared image lives in memcached (0: until evicted)' },
  { section: 'service:producer', name: 'enabled_tasks', type: 'list', default: [], help: 'periodic tasks this producer runs (empty: all)' },
  { section: 'coordination', name: 'backend_url', type: 'string', default: '', help: 'group membership for dividing shards among producers: redis://host:6379 or memcached://host:11211[,host:11211] (?namespace=NAME); empty: every producer takes every shard' },
  { section: 'coordination', name: 'heartbeat_interval', type: 'float', default: 5, help: 'seconds between membership refreshes; a member silent for three is gone' },
  { section: 'producer_task:increment_serial', name: 'interval', type: 'float', default: CENTRAL_DEFAULTS.serialBatchInterval, help: 'seconds over which zone changes share one serial, given by the producer\'s increment_serial task (Designate: 5); 0: a serial per change at once' },
  dflt('state_path', 'string', 'data', 'directory of the embedded database and journals', 'data-dir'),
  dflt('transport_url', 'string', '', 'message broker, rabbit://user:pass@host1:5672,user:pass@host2:5672/vhost (several hosts: fail over); empty: in-process (start only)', 'transport-url'),
  dflt('host', 'string', '', "this instance's name in queues and service statuses (default: the host name and the pid)", 'host'),
  dflt('control_exchange', 'string', 'designate', 'AMQP exchange of the services\' topics'),
  dflt('rpc_response_timeout', 'float', DEFAULT_CALL_TIMEOUT_MS / 1000, 'seconds a call (api -> central) waits for its reply before 503'),
  { section: 'heartbeat_emitter', name: 'heartbeat_interval', type: 'float', default: CENTRAL_DEFAULTS.heartbeatInterval, help: 'seconds between the heartbeats every instance sends central; three missed: DOWN' },
  rabbit('heartbeat_timeout_threshold', 'int', AMQP_CONNECTION_DEFAULTS.heartbeatTimeoutThreshold, 'seconds without AMQP heartbeats before the broker connection counts as dead'),
  rabbit('rabbit_qos_prefetch_count', 'int', AMQP_DEFAULTS.prefetch, 'messages one instance takes per topic before acknowledging (0: no limit)'),
  rabbit('rabbit_retry_interval', 'float', AMQP_CONNECTION_DEFAULTS.retryInterval, 'seconds before reconnecting once every broker failed'),
  rabbit('rabbit_retry_backoff', 'float', AMQP_CONNECTION_DEFAULTS.retryBackoff, 'factor the reconnect wait grows by per failed round'),
  rabbit('rabbit_interval_max', 'float', AMQP_CONNECTION_DEFAULTS.intervalMax, 'longest wait between reconnect rounds, seconds'),
  dflt('supported_record_type', 'list', [...CENTRAL_DEFAULTS.supportedRecordTypes], 'record types the API accepts'),
  dflt('default_ttl', 'int', CENTRAL_DEFAULTS.defaultTtl, 'TTL of new zones without one'),
  ...Object.entries(CENTRAL_DEFAULTS.quotas).map(([name, value]) => dflt(`quota_${name}`, 'int', value, `default ${name} quota per project (negative: unlimited)`)),
  {
    section: 'storage', name: 'connection', type: 'string', default: '', flag: 'connection',
    // Designate's own files put it in [storage:sqlalchemy] (older ones in [database]).
    aliases: [{ section: 'storage:sqlalchemy', name: 'connection' }, { section: 'database', name: 'connection' }],
    help: 'database URL (default: SQLite in state_path): sqlite:///relative.db, sqlite:////absolute.db, or mysql+pymysql://user:pass@host/db',
  },
];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function envName(spec: OptionSpec): string {
  return `ZONECAST_${spec.section.replace(/[^A-Za-z0-9]+/g, '_')}_${spec.name}`.toUpperCase();
}

export type ConfigValue = string | number | boolean | string[];

export class Config {
  private readonly values: Map<string, ConfigValue>;

  constructor(values: Map<string, ConfigValue>) {
    this.values = values;
  }

  get<T extends ConfigValue>(section: string, name: string): T {
    const value = this.values.get(`${section}.${name}`);
    if (value === undefined) throw new ConfigError(`no option [${section}] ${name}`);
    return value as T;
  }
}

/**
 * The database every command opens: `[storage] connection`, or the embedded SQLite database in
 * `[DEFAULT] state_path`, whose directory is created first (`manage db-sync` on a fresh machine, as `start`).
 */
export function preparedStorageUrl(config: Config): string {
  if (config.get<string>('storage', 'connection') === '') mkdirSync(config.get<string>('DEFAULT', 'state_path'), { recursive: true });
  return storageUrl(config);
}

/** `[storage] connection`, or the embedded SQLite database in `[DEFAULT] state_path`. */
function storageUrl(config: Config): string {
  const url = config.get<string>('storage', 'connection');
  return url !== '' ? url : `sqlite:///${config.get<string>('DEFAULT', 'state_path')}/zonecast.db`;
}

export interface ConfigSources {
  /** A designate.conf-style file; absent means defaults, environment and command line only. */
  file?: string;
  /** Files already read and merged (oslo-files.ts), in place of `file`. */
  doc?: IniDocument;
  env?: NodeJS.ProcessEnv;
  /** Values from the command line, by flag name; lists as arrays. */
  cli?: Record<string, string | string[] | undefined>;
}

/** The values of `specs` (every zonecast option by default; a command with options of its own passes its own). */
export function loadConfig(sources: ConfigSources, specs: readonly OptionSpec[] = OPTIONS): Config {
  const doc: IniDocument = sources.doc ?? (sources.file === undefined ? new Map() : readConfigFile(sources.file));
  const values = new Map<string, ConfigValue>();
  for (const spec of specs) {
    const fromCli = spec.flag === undefined ? undefined : sources.cli?.[spec.flag];
    const fromEnv = sources.env?.[envName(spec)];
    const [fileSection, fromFile] = fromFileOf(doc, spec);
    const where = fromCli !== undefined ? `--${spec.flag}` : fromEnv !== undefined ? envName(spec) : `[${fileSection}] ${spec.name}`;
    const raw = fromCli ?? fromEnv ?? fromFile;
    values.set(`${spec.section}.${spec.name}`, raw === undefined ? spec.default : convert(spec, raw, where));
  }
  return new Config(values);
}

/** The option's value in the file under its own name, else under the first alias present. */
function fromFileOf(doc: IniDocument, spec: OptionSpec): [string, string | undefined] {
  for (const { section, name } of [{ section: spec.section, name: spec.name }, ...(spec.aliases ?? [])]) {
    const value = doc.get(section)?.get(name);
    if (value !== undefined) return [section, value];
  }
  return [spec.section, undefined];
}

export function readConfigFile(file: string): IniDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseIni(text, file);
}

function convert(spec: OptionSpec, raw: string | string[], where: string): ConfigValue {
  if (spec.type === 'list') {
    // oslo ListOpt: comma-separated; a repeated command-line flag gives the items directly.
    const items = (Array.isArray(raw) ? raw : raw.split(',')).map((s) => s.trim()).filter((s) => s !== '');
    if (!spec.itemParameters) return items;
    const joined: string[] = [];
    for (const item of items) {
      if (/^[a-z_]+=/.test(item) && joined.length > 0) joined[joined.length - 1] += `,${item}`;
      else joined.push(item);
    }
    return joined;
  }
  const text = Array.isArray(raw) ? raw.at(-1)! : raw.trim();
  switch (spec.type) {
    case 'int': {
      if (!/^-?\d+$/.test(text)) throw new ConfigError(`${where}: '${text}' is not an integer`);
      return Number(text);
    }
    case 'float': {
      const n = Number(text);
      if (text === '' || !Number.isFinite(n)) throw new ConfigError(`${where}: '${text}' is not a number`);
      return n;
    }
    case 'bool': {
      const t = text.toLowerCase();
      if (['true', 'yes', 'on', '1'].includes(t)) return true;
      if (['false', 'no', 'off', '0'].includes(t)) return false;
      throw new ConfigError(`${where}: '${text}' is not true or false`);
    }
    default:
      return text;
  }
}

/** The options of a section as help lines: flag, option, default, help. */
export function optionHelp(section: string): string {
  return OPTIONS.filter((o) => o.section === section).map((o) => {
    const flag = o.flag === undefined ? '' : `--${o.flag}`;
    const dflt = Array.isArray(o.default) ? o.default.join(',') : String(o.default);
    return `  ${flag.padEnd(24)} ${o.name.padEnd(22)} ${o.help}${dflt === '' ? '' : ` (default ${dflt})`}`;
  }).join('\n');
}
