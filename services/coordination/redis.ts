// Group membership in Redis: each member refreshes a key of its own with a TTL (three heartbeats), and the
// group's set lists who joined. A member whose key expired (its process died, or lost Redis) is gone from
// members() and is pruned from the set. Expiry runs on Redis's clock, so members' clocks need not agree.
import { createClient, type RedisClientType } from 'redis';
import type { Logger } from '../log.ts';
import type { Coordination } from './coordination.ts';
import { MembershipHeartbeat } from './heartbeat.ts';

export interface RedisCoordinationOptions {
  /** Seconds between membership refreshes (`[coordination] heartbeat_interval`). */
  heartbeatInterval: number;
}

/** tooz's redis driver takes `?namespace=` in the URL for the keys' prefix (default `_tooz`): so does this one. */
const DEFAULT_NAMESPACE = '_tooz';

export class RedisCoordination implements Coordination {
  readonly description: string;
  readonly #client: RedisClientType;
  readonly #ttlMs: number;
  readonly #namespace: string;
  readonly #heartbeat: MembershipHeartbeat;

  constructor(url: string, options: RedisCoordinationOptions, log: Logger) {
    this.description = url.replace(/\/\/[^@/]*@/, '//***@');
    this.#ttlMs = Math.ceil(options.heartbeatInterval * 3000);
    const parsed = new URL(url);
    this.#namespace = parsed.searchParams.get('namespace') || DEFAULT_NAMESPACE;
    parsed.search = '';
    this.#client = createClient({ url: parsed.toString(), socket: { connectTimeout: 5000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 5000) } });
    this.#client.on('error', (err: Error) => log.warn({ coordination: this.description, err: err.message }, 'coordination backend unreachable'));
    this.#heartbeat = new MembershipHeartbeat(options.heartbeatInterval, (group, member) => this.#refresh(group, member), log);
  }

  #groupKey(group: string): string {
    return `${this.#namespace}:group:${group}:members`;
  }

  #memberKey(group: string, member: string): string {
    return `${this.#namespace}:group:${group}:member:${member}`;
  }

  async join(group: string, member: string): Promise<void> {
    if (!this.#client.isOpen) await this.#client.connect();
    await this.#heartbeat.join(group, member);
  }

  async #refresh(group: string, member: string): Promise<void> {
    await this.#client.multi().set(this.#memberKey(group, member), String(Date.now()), { PX: this.#ttlMs }).sAdd(this.#groupKey(group), member).exec();
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
    this.#heartbeat.stop();
    if (this.#client.isOpen) {
      // Leaving at once hands this member's shards over now instead of after its key expires.
      for (const [group, member] of this.#heartbeat.joined) {
        await this.#client.multi().del(this.#memberKey(group, member)).sRem(this.#groupKey(group), member).exec().catch(() => {});
      }
      await this.#client.quit().catch(() => {});
    }
    this.#heartbeat.joined.clear();
  }
}
