// Group membership in Redis: each member refreshes a key of its own with a TTL (three heartbeats), and the
// group's set lists who joined. A member whose key expired (its process died, or lost Redis) is gone from
// members() and is pruned from the set. Expiry runs on Redis's clock, so members' clocks need not agree.
import { createClient, type RedisClientType } from 'redis';
import type { Logger } from '../log.ts';
import type { Coordination } from './coordination.ts';

export interface RedisCoordinationOptions {
  /** Seconds between membership refreshes (`[coordination] heartbeat_interval`). */
  heartbeatInterval: number;
}

/** tooz's redis driver takes `?namespace=` in the URL for the keys' prefix (default `_tooz`): so does this one. */
const DEFAULT_NAMESPACE = '_tooz';

export class RedisCoordination implements Coordination {
  readonly description: string;
  readonly #client: RedisClientType;
  readonly #options: RedisCoordinationOptions;
  readonly #log: Logger;
  readonly #joined = new Map<string, string>();
  readonly #namespace: string;
  #timer: NodeJS.Timeout | null = null;

  constructor(url: string, options: RedisCoordinationOptions, log: Logger) {
    this.description = url.replace(/\/\/[^@/]*@/, '//***@');
    this.#options = options;
    this.#log = log;
    const parsed = new URL(url);
    this.#namespace = parsed.searchParams.get('namespace') || DEFAULT_NAMESPACE;
    parsed.search = '';
    this.#client = createClient({ url: parsed.toString(), socket: { connectTimeout: 5000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 5000) } });
    this.#client.on('error', (err: Error) => this.#log.warn({ coordination: this.description, err: err.message }, 'coordination backend unreachable'));
  }

  async join(group: string, member: string): Promise<void> {
    if (!this.#client.isOpen) await this.#client.connect();
    this.#joined.set(group, member);
    await this.#refresh(group, member);
    this.#timer ??= setInterval(() => {
      for (const [g, m] of this.#joined) {
        this.#refresh(g, m).catch((err: Error) => this.#log.warn({ group: g, err: err.message }, 'coordination heartbeat failed'));
      }
    }, this.#options.heartbeatInterval * 1000);
  }

  #groupKey(group: string): string {
    return `${this.#namespace}:group:${group}:members`;
  }

  #memberKey(group: string, member: string): string {
    return `${this.#namespace}:group:${group}:member:${member}`;
  }

  async #refresh(group: string, member: string): Promise<void> {
    const ttlMs = Math.ceil(this.#options.heartbeatInterval * 3000);
    await this.#client.multi().set(this.#memberKey(group, member), String(Date.now()), { PX: ttlMs }).sAdd(this.#groupKey(group), member).exec();
  }

  async members(group: string): Promise<string[]> {
    if (!this.#client.isOpen) await this.#client.connect();
    const listed = await this.#client.sMembers(this.#groupKey(group));
    if (listed.length === 0) return [];
    const alive = await this.#client.mGet(listed.map((m) => this.#memberKey(group, m)));
    const gone = listed.filter((_, i) => alive[i] === null);
    if (gone.length > 0) await this.#client.sRem(this.#groupKey(group), gone);
    return listed.filter((_, i) => alive[i] !== null).sort();
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    if (this.#client.isOpen) {
      // Leaving at once hands this member's shards over now instead of after its key expires.
      for (const [group, member] of this.#joined) {
        await this.#client.multi().del(this.#memberKey(group, member)).sRem(this.#groupKey(group), member).exec().catch(() => {});
      }
      await this.#client.quit().catch(() => {});
    }
    this.#joined.clear();
  }
}
