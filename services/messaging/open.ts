// The transport `[DEFAULT] transport_url` names: RabbitMQ, or in-process when empty. Also this instance's
// name (`[DEFAULT] host`) and the endpoints it serves through that transport.
import { hostname } from 'node:os';
import type { Config } from '../config/options.ts';
import type { Logger } from '../log.ts';
import { AMQP_DEFAULTS, AmqpTransport } from './amqp.ts';
import { DEFAULT_TOPICS, type ServiceTopics } from './bus.ts';
import { Endpoints } from './endpoints.ts';
import { HeartbeatEmitter } from './heartbeat.ts';
import { InProcessTransport } from './in-process.ts';
import { MeteredTransport } from './metered-transport.ts';
import type { Transport } from './transport.ts';
import { parseTransportUrl } from './transport-url.ts';

/** `[DEFAULT] host`, else the host name and the pid, so that two instances on one machine differ. */
export function instanceName(config: Config): string {
  return config.get<string>('DEFAULT', 'host') || `${hostname()}-${process.pid}`;
}

export function serviceTopics(config: Config): ServiceTopics {
  return {
    central: config.get<string>('service:central', 'topic') || DEFAULT_TOPICS.central,
    mdns: config.get<string>('service:mdns', 'topic') || DEFAULT_TOPICS.mdns,
    worker: config.get<string>('service:worker', 'topic') || DEFAULT_TOPICS.worker,
  };
}

/**
 * `prefetch` overrides rabbit_qos_prefetch_count for a service whose messages each hold a slot for long (the
 * worker's casts are acknowledged only once their change is carried, which may take minutes).
 */
export function openTransport(config: Config, log: Logger, prefetch?: number): Transport {
  const url = config.get<string>('DEFAULT', 'transport_url');
  if (url === '') {
    return new InProcessTransport({
      onDeadLetter: (topic, method, err) => log.error({ topic, method, err: (err as Error).message }, 'message dead-lettered'),
    });
  }
  const rabbit = (name: string) => config.get<number>('oslo_messaging_rabbit', name);
  return new AmqpTransport(parseTransportUrl(url), url, {
    ...AMQP_DEFAULTS,
    exchange: config.get<string>('DEFAULT', 'control_exchange'),
    prefetch: prefetch ?? rabbit('rabbit_qos_prefetch_count'),
    heartbeatTimeoutThreshold: rabbit('heartbeat_timeout_threshold'),
    retryInterval: rabbit('rabbit_retry_interval'),
    retryBackoff: rabbit('rabbit_retry_backoff'),
    intervalMax: rabbit('rabbit_interval_max'),
    connectTimeout: 5,
  }, log);
}

export function openEndpoints(config: Config, log: Logger, prefetch?: number): Endpoints {
  return new Endpoints(new MeteredTransport(openTransport(config, log, prefetch)), instanceName(config), log);
}

/** This instance's heartbeats for `serviceName`, every `[heartbeat_emitter] heartbeat_interval`, started. */
export function startHeartbeat(config: Config, endpoints: Endpoints, serviceName: string, log: Logger): HeartbeatEmitter {
  const heartbeat = new HeartbeatEmitter(endpoints.transport, {
    serviceName, hostname: endpoints.host, interval: config.get<number>('heartbeat_emitter', 'heartbeat_interval'),
    centralTopic: serviceTopics(config).central,
  }, log);
  heartbeat.start();
  return heartbeat;
}
