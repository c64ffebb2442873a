// The options `zonecast designate-mdns` reads from Designate's own configuration files, under Designate's
// names and with Designate's defaults; every other section and option of those files is ignored. Two are
// zonecast's own, in [service:mdns] where Designate ignores them: how long a question waits for its check,
// and where metrics are served. Each may also come from the environment (ZONECAST_SERVICE_MDNS_LISTEN, …).
import { hostname } from 'node:os';
import { ConfigError, loadConfig, type Config, type ConfigValue, type OptionSpec } from '../config/options.ts';
import type { IniDocument } from '../config/ini.ts';
import { parseStorageUrl } from '../storage/open.ts';
import type { MysqlOptions } from '../storage/mysql.ts';
import { parseEndpoint, type Endpoint } from '../mdns/endpoint.ts';
import { storedId } from './schema.ts';

const spec = (section: string, name: string, type: OptionSpec['type'], dflt: OptionSpec['default'], help: string): OptionSpec =>
  ({ section, name, type, default: dflt, help });

/** Designate's default pool id (designate/conf/central.py). */
export const DESIGNATE_DEFAULT_POOL_ID = '794ccc2c-d751-44fe-b57f-8894c9f5c842';

export const DESIGNATE_MDNS_OPTIONS: readonly OptionSpec[] = [
  { ...spec('storage:sqlalchemy', 'connection', 'string', '', "Designate's database: mysql+pymysql://USER:PASS@HOST:PORT/DB?charset=utf8mb4 (SELECT is all it needs)"), aliases: [{ section: 'database', name: 'connection' }] },
  spec('service:mdns', 'listen', 'list', ['0.0.0.0:5354'], 'HOST:PORT pairs to serve DNS on'),
  spec('service:mdns', 'workers', 'int', 1, 'processes answering on the listen addresses (SO_REUSEPORT); Designate starts one per CPU when unset'),
  spec('service:mdns', 'tcp_backlog', 'int', 100, 'TCP listen backlog'),
  spec('service:mdns', 'tcp_recv_timeout', 'float', 0.5, 'seconds a TCP connection may stay silent'),
  spec('service:mdns', 'query_enforce_tsig', 'bool', false, 'refuse every unsigned question, AXFR included'),
  spec('service:mdns', 'max_message_size', 'int', 65535, 'largest zone transfer message'),
  spec('service:mdns', 'check_timeout', 'float', 0.3, "zonecast: seconds a question waits for the database's answer before the version compiled answers it"),
  spec('service:mdns', 'metrics_listen', 'string', '', 'zonecast: HOST:PORT to serve Prometheus metrics on (empty: none)'),
  spec('service:central', 'default_pool_id', 'string', DESIGNATE_DEFAULT_POOL_ID, 'the pool unsigned questions see'),
  spec('DEFAULT', 'transport_url', 'string', '', "RabbitMQ for the heartbeat and perform_zone_xfr casts (empty: none are sent)"),
  spec('DEFAULT', 'host', 'string', '', 'the hostname the heartbeat reports (default: this machine\'s name)'),
  spec('DEFAULT', 'control_exchange', 'string', 'designate', "oslo.messaging's exchange"),
  spec('heartbeat_emitter', 'heartbeat_interval', 'float', 10, 'seconds between heartbeats'),
  spec('heartbeat_emitter', 'emitter_type', 'string', 'rpc', 'rpc: heartbeats go to central; noop: none'),
  spec('service:central', 'topic', 'string', 'central', "central's RPC topic"),
  spec('service:worker', 'topic', 'string', 'worker', "the worker's RPC topic"),
  spec('oslo_messaging_rabbit', 'amqp_durable_queues', 'bool', false, 'whether oslo declared the exchange durable'),
  spec('oslo_messaging_rabbit', 'amqp_auto_delete', 'bool', false, 'whether oslo declared the exchange auto-delete'),
];

export interface DesignateMdnsSettings {
  database: MysqlOptions;
  listen: Endpoint[];
  /** Processes answering (this one and workers - 1 more); each checks the database itself. */
  workers: number;
  tcpBacklog: number;
  tcpRecvTimeout: number;
  enforceTsig: boolean;
  maxMessageSize: number;
  checkTimeoutMs: number;
  metricsListen: string;
  /** As stored: 32 hex digits. */
  defaultPoolId: string;
  transportUrl: string;
  hostname: string;
  controlExchange: string;
  heartbeatInterval: number;
  heartbeats: boolean;
  topics: { central: string; worker: string };
  exchange: { durable: boolean; autoDelete: boolean };
}

export function readSettings(doc: IniDocument, env: NodeJS.ProcessEnv): DesignateMdnsSettings {
  const config: Config = loadConfig({ doc, env }, DESIGNATE_MDNS_OPTIONS);
  const get = <T extends ConfigValue>(section: string, name: string) => config.get<T>(section, name);
  const url = get<string>('storage:sqlalchemy', 'connection');
  if (url === '') throw new ConfigError('[storage:sqlalchemy] connection is not set: it names the Designate database to serve from');
  if (/^postgres/i.test(url)) throw new ConfigError('[storage:sqlalchemy] connection: PostgreSQL is not supported yet (MySQL and MariaDB are)');
  const parsed = parseStorageUrl(url);
  if (parsed.engine !== 'mysql') throw new ConfigError('[storage:sqlalchemy] connection: only mysql+pymysql:// (MySQL, MariaDB) databases can be served');
  const poolId = get<string>('service:central', 'default_pool_id');
  if (!/^[0-9a-f]{32}$/i.test(storedId(poolId))) throw new ConfigError(`[service:central] default_pool_id: '${poolId}' is not a UUID`);
  const emitter = get<string>('heartbeat_emitter', 'emitter_type');
  if (emitter !== 'rpc' && emitter !== 'noop') throw new ConfigError(`[heartbeat_emitter] emitter_type: '${emitter}' is neither rpc nor noop`);
  const timeout = get<number>('service:mdns', 'check_timeout');
  if (!(timeout > 0)) throw new ConfigError('[service:mdns] check_timeout must be above 0');
  const listen = get<string[]>('service:mdns', 'listen');
  if (listen.length === 0) throw new ConfigError('[service:mdns] listen is empty');
  const endpoints = listen.map((l) => parseEndpoint(l));
  const workers = get<number>('service:mdns', 'workers');
  if (workers < 1 || workers > 64) throw new ConfigError('[service:mdns] workers must be 1..64');
  // Processes share an address by SO_REUSEPORT: each would take a port of its own from port 0.
  if (workers > 1 && endpoints.some((e) => e.port === 0)) throw new ConfigError('[service:mdns] workers above 1 need listen addresses with a port');
  return {
    database: parsed.options,
    listen: endpoints,
    workers,
    tcpBacklog: get<number>('service:mdns', 'tcp_backlog'),
    tcpRecvTimeout: get<number>('service:mdns', 'tcp_recv_timeout'),
    enforceTsig: get<boolean>('service:mdns', 'query_enforce_tsig'),
    maxMessageSize: get<number>('service:mdns', 'max_message_size'),
    checkTimeoutMs: Math.round(timeout * 1000),
    metricsListen: get<string>('service:mdns', 'metrics_listen'),
    defaultPoolId: storedId(poolId),
    transportUrl: get<string>('DEFAULT', 'transport_url'),
    hostname: get<string>('DEFAULT', 'host') || hostname(),
    controlExchange: get<string>('DEFAULT', 'control_exchange'),
    heartbeatInterval: get<number>('heartbeat_emitter', 'heartbeat_interval'),
    heartbeats: emitter === 'rpc',
    topics: { central: get<string>('service:central', 'topic'), worker: get<string>('service:worker', 'topic') },
    exchange: { durable: get<boolean>('oslo_messaging_rabbit', 'amqp_durable_queues'), autoDelete: get<boolean>('oslo_messaging_rabbit', 'amqp_auto_delete') },
  };
}
