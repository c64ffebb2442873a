// The fleet cache: memcached servers shared by every instance, hashed over by the client (oslo.cache's
// `[cache] memcache_servers`), with an in-process lru-cache in front for small values. memjs speaks the
// protocol, one client per server so that its own `hash % n` never decides where a key lives: rendezvous.ts
// does. A server that fails (refused, reset, or silent for `memcache_socket_timeout`) is taken out for
// `memcache_dead_retry` seconds: its keys go to their next-ranked server, so only its share misses, and it is
// tried again afterwards. Every failure is a miss, never an error to the caller: the cache is an accelerator.
import { LRUCache } from 'lru-cache';
import memjs from 'memjs';
import type { Logger } from '../log.ts';
import { rank } from './rendezvous.ts';

export interface FleetCacheOptions {
  /** `host:port` of each memcached server. */
  servers: readonly string[];
  /** Seconds a failed server stays out (oslo.cache's memcache_dead_retry: 300). */
  deadRetry: number;
  /** Seconds an operation may take before the server counts as failed (memcache_socket_timeout). */
  socketTimeout: number;
  /** Seconds an item lives (expiration_time); 0: until evicted. */
  expirationTime: number;
  /** Bytes of small values kept in process (0: none). */
  localBytes?: number;
}

/** Values above this size are not kept in the local tier: large items (image chunks) would only double memory. */
const LOCAL_ITEM_MAX = 64 * 1024;
const SILENT = { log: () => {} };

export class FleetCache {
  readonly servers: readonly string[];
  readonly #options: FleetCacheOptions;
  readonly #log: Logger;
  readonly #clients = new Map<string, memjs.Client>();
  readonly #deadUntil = new Map<string, number>();
  readonly #local: LRUCache<string, Buffer> | null;

  constructor(options: FleetCacheOptions, log: Logger) {
    if (options.servers.length === 0) throw new Error('the fleet cache needs at least one memcached server');
    this.servers = [...options.servers];
    this.#options = options;
    this.#log = log;
    for (const server of this.servers) {
      this.#clients.set(server, memjs.Client.create(server, {
        retries: 1, timeout: options.socketTimeout, conntimeout: options.socketTimeout, keepAlive: true, logger: SILENT,
      }));
    }
    const localBytes = options.localBytes ?? 16 * 1024 * 1024;
    this.#local = localBytes > 0 ? new LRUCache<string, Buffer>({ maxSize: localBytes, sizeCalculation: (v) => Math.max(1, v.length) }) : null;
  }

  /** The server a key lives on now: its first-ranked one that is not out. Null when every server is out. */
  serverFor(key: string): string | null {
    const now = Date.now();
    for (const server of rank(key, this.servers)) {
      const until = this.#deadUntil.get(server);
      if (until === undefined) return server;
      if (until <= now) {
        this.#deadUntil.delete(server);
        this.#log.info({ server }, 'memcached server back in the ring after memcache_dead_retry: trying it again');
        return server;
      }
    }
    return null;
  }

  /** `fresh`: past the local tier, for a key whose value changes (the local tier suits values that never do). */
  async get(key: string, fresh = false): Promise<Buffer | null> {
    const local = fresh ? undefined : this.#local?.get(key);
    if (local !== undefined) return local;
    const server = this.serverFor(key);
    if (server === null) return null;
    try {
      const { value } = await this.#clients.get(server)!.get(key);
      if (value !== null && value.length <= LOCAL_ITEM_MAX) this.#local?.set(key, value);
      return value;
    } catch (err) {
      this.#failed(server, err as Error);
      return null;
    }
  }

  /** Stores the value on its server; false when it was not stored (the server out or failing). */
  async set(key: string, value: Uint8Array, expires = this.#options.expirationTime): Promise<boolean> {
    const buffer = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    if (buffer.length <= LOCAL_ITEM_MAX) this.#local?.set(key, Buffer.from(buffer));
    const server = this.serverFor(key);
    if (server === null) return false;
    try {
      return await this.#clients.get(server)!.set(key, buffer, { expires });
    } catch (err) {
      this.#failed(server, err as Error);
      return false;
    }
  }

  /** Stores the value only if the key is absent: true if stored, false if present, null if its server failed. */
  async add(key: string, value: Uint8Array, expires = this.#options.expirationTime): Promise<boolean | null> {
    const server = this.serverFor(key);
    if (server === null) return null;
    try {
      return await this.#clients.get(server)!.add(key, Buffer.from(value.buffer, value.byteOffset, value.byteLength), { expires });
    } catch (err) {
      this.#failed(server, err as Error);
      return null;
    }
  }

  async delete(key: string): Promise<void> {
    this.#local?.delete(key);
    const server = this.serverFor(key);
    if (server === null) return;
    await this.#clients.get(server)!.delete(key).catch((err: Error) => this.#failed(server, err));
  }

  close(): void {
    for (const client of this.#clients.values()) client.close();
  }

  #failed(server: string, err: Error): void {
    if (this.#deadUntil.has(server)) return;
    this.#deadUntil.set(server, Date.now() + this.#options.deadRetry * 1000);
    this.#log.warn({ server, err: err.message, deadRetry: this.#options.deadRetry }, 'memcached server failed: out of the ring for memcache_dead_retry seconds, its keys go to the others');
  }
}
