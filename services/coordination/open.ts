// The coordination backend `[coordination] backend_url` names.
import { ConfigError, type Config } from '../config/options.ts';
import type { Logger } from '../log.ts';
import type { Coordination } from './coordination.ts';
import { LocalCoordination } from './local.ts';
import { MemcachedCoordination } from './memcached.ts';
import { RedisCoordination } from './redis.ts';

export function openCoordination(config: Config, log: Logger): Coordination {
  const url = config.get<string>('coordination', 'backend_url');
  if (url === '') return new LocalCoordination();
  const scheme = url.split(':')[0];
  if (scheme === 'redis' || scheme === 'rediss') {
    return new RedisCoordination(url, { heartbeatInterval: config.get<number>('coordination', 'heartbeat_interval') }, log);
  }
  if (scheme === 'memcached') {
    return new MemcachedCoordination(url, { heartbeatInterval: config.get<number>('coordination', 'heartbeat_interval') }, log);
  }
  throw new ConfigError(`[coordination] backend_url: '${scheme}' is not a backend zonecast has (redis://host:6379, memcached://host:11211[,host:11211])`);
}
