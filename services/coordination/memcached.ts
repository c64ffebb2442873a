// Group membership in memcached (memjs; several servers are hashed over by the client), as tooz's memcached
// driver keeps it: each member refreshes a key of its own with an expiry of three heartbeats, and the
// group's key lists who joined (memcached cannot list keys). Joining appends to that list atomically
// (`append`, or `add` for the first member); a member whose key expired is gone from members(), and the
// list is rewritten without the gone ones by its first live member once they outnumber the live ones. A
// member that a racing rewrite dropped appends itself again at its next heartbeat.
import memjs from 'memjs';
import type { Logger } from '../log.ts';
import type { Coordination } from './coordination.ts';
import { MembershipHeartbeat } from './heartbeat.ts';

export interface MemcachedCoordinationOptions {
  /** Seconds between membership refreshes (`[coordination] heartbeat_interval`). */
  heartbeatInterval: number;
}

const DEFAULT_NAMESPACE = '_tooz';
const SILENT = { log: () => {} };

export class MemcachedCoordination implements Coordination {
  readonly description: string;
  readonly #client: memjs.Client;
  readonly #expires: number;
  readonly #namespace: string;
  readonly #heartbeat: MembershipHeartbeat;

  constructor(url: string, options: MemcachedCoordinationOptions, log: Logger) {
    const parsed = new URL(url);
    this.#namespace = parsed.searchParams.get('namespace') || DEFAULT_NAMESPACE;
    const servers = url.replace(/^memcached:\/\//, '').replace(/[?/].*$/, '');
    this.description = `memcached://${servers}`;
    // memcached expires in whole seconds.
    this.#expires = Math.max(1, Math.ceil(options.heartbeatInterval * 3));
    this.#client = memjs.Client.create(servers, { retries: 1, failover: true, logger: SILENT });
    this.#heartbeat = new MembershipHeartbeat(options.heartbeatInterval, (group, member) => this.#refresh(group, member), log);
  }

  #listKey(group: string): string {
    return `${this.#namespace}:group:${group}:members`;
  }

  #memberKey(group: string, member: string): string {
    return `${this.#namespace}:group:${group}:member:${member}`;
  }

  async join(group: string, member: string): Promise<void> {
    await this.#heartbeat.join(group, member);
  }

  async #refresh(group: string, member: string): Promise<void> {
    await this.#client.set(this.#memberKey(group, member), '1', { expires: this.#expires });
    if ((await this.#listed(group)).includes(member)) return;
    // memjs rejects an append to a missing key ("Item not stored"): the first member adds the list.
    const appended = await this.#client.append(this.#listKey(group), `,${member}`).catch(() => false);
    if (!appended && !(await this.#client.add(this.#listKey(group), member))) await this.#client.append(this.#listKey(group), `,${member}`);
  }

  async #listed(group: string): Promise<string[]> {
    const { value } = await this.#client.get(this.#listKey(group));
    return value === null ? [] : [...new Set(value.toString().split(',').filter((m) => m !== ''))];
  }

  async members(group: string): Promise<string[]> {
    const listed = await this.#listed(group);
    const alive: string[] = [];
    for (const member of listed) {
      if ((await this.#client.get(this.#memberKey(group, member))).value !== null) alive.push(member);
    }
    alive.sort();
    const me = this.#heartbeat.joined.get(group);
    if (listed.length > 2 * alive.length && me !== undefined && alive[0] === me) await this.#client.set(this.#listKey(group), alive.join(','), {});
    return alive;
  }

  async close(): Promise<void> {
    this.#heartbeat.stop();
    // Leaving at once hands this member's shards over now instead of after its key expires.
    for (const [group, member] of this.#heartbeat.joined) await this.#client.delete(this.#memberKey(group, member)).catch(() => false);
    this.#heartbeat.joined.clear();
    this.#client.close();
  }
}
