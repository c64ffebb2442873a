// Group membership for services that divide work among their live instances (Designate's coordination
// through tooz: the producer's shards). One interface, three backends chosen by `[coordination] backend_url`:
// `redis://host:port` (redis.ts), `memcached://host:port,...` (memcached.ts), and none (local.ts: this
// instance alone, as Designate without a DLM).

export interface Coordination {
  /** What the backend is, for logs (credentials redacted). */
  readonly description: string;
  /** Joins `group` as `member` and keeps the membership alive until leave()/close(). */
  join(group: string, member: string): Promise<void>;
  /** The live members of `group`, sorted. Rejects when the backend cannot be reached. */
  members(group: string): Promise<string[]>;
  /** Leaves every group joined and closes the connection. */
  close(): Promise<void>;
}

/** Zones carry a shard from 0 to 4095 (the first three hex digits of their id), as in Designate. */
export const SHARDS = 4096;

export interface ShardRange {
  first: number;
  last: number;
}

/**
 * Designate's partitioner: the members sorted, each taking ceil(4096 / n) consecutive shards by its place.
 * Null when `member` is not (or no longer) in `members`: it works no shard until it is back.
 */
export function shardRange(members: readonly string[], member: string): ShardRange | null {
  const sorted = [...members].sort();
  const index = sorted.indexOf(member);
  if (index < 0) return null;
  const size = Math.ceil(SHARDS / sorted.length);
  const first = index * size;
  if (first >= SHARDS) return null;
  return { first, last: Math.min(SHARDS, first + size) - 1 };
}
