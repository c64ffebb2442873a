// The TSIG keys created through the API (/v2/tsigkeys), in mdns's keyring beside those of its configuration,
// and what each may transfer. As in Designate, a key's scope says which zones it opens: a POOL key the zones
// of that pool, a ZONE key that zone alone. A transfer request signed with a stored key is answered for the
// zones in its scope, whatever the address it comes from; other requests go by allow_transfer as before.
// Keys are read again whenever central announces a change ('tsigkeys.changed').
import { keyFromFields, type TsigKey, type TsigKeyring } from '../../engine/tsig/keys.ts';
import type { TransferPolicy } from '../../engine/net/acl.ts';
import type { Logger } from '../log.ts';
import type { Bus } from '../messaging/bus.ts';
import type { Storage, TsigKey as StoredTsigKey, Zone } from '../storage/storage.ts';

interface Scope {
  scope: StoredTsigKey['scope'];
  resourceId: string;
}

export class StoredTsigKeys {
  private readonly storage: Storage;
  private readonly bus: Bus;
  private readonly keyring: TsigKeyring;
  private readonly log: Logger;
  /** The stored keys now in the keyring, by lower-case absolute name. */
  private scopes = new Map<string, Scope>();
  private loaded = new Map<string, TsigKey>();
  private unsubscribe: (() => void) | null = null;
  /** Reads never overlap; a change during one makes exactly one more. */
  private reading: Promise<void> | null = null;
  private again = false;

  constructor(storage: Storage, bus: Bus, keyring: TsigKeyring, log: Logger) {
    this.storage = storage;
    this.bus = bus;
    this.keyring = keyring;
    this.log = log;
  }

  /** Follows changes, then reads the keys; resolves once they are in the keyring. */
  async start(): Promise<void> {
    this.unsubscribe = this.bus.subscribe('tsigkeys.changed', () => this.reload());
    await this.reload();
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Who may transfer `zone`: `fallback` (allow_transfer), or a request signed with a stored key in scope. */
  policyFor(zone: Zone, fallback: TransferPolicy): TransferPolicy {
    return {
      allows: (address, keyName) => fallback.allows(address, keyName) || (keyName !== null && this.covers(keyName, zone)),
    };
  }

  private covers(keyName: string, zone: Zone): boolean {
    const scope = this.scopes.get(keyName.toLowerCase());
    if (scope === undefined) return false;
    return scope.scope === 'ZONE' ? scope.resourceId === zone.id : scope.resourceId === zone.poolId;
  }

  reload(): Promise<void> {
    if (this.reading !== null) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        try {
          this.apply(await this.readAll());
        } catch (err) {
          // The keys in force stay: a storage outage must not lock secondaries out.
          this.log.error({ err: (err as Error).message }, 'TSIG keys not read from storage: the previous ones stay in force');
        }
      } while (this.again);
      this.reading = null;
    })();
    return this.reading;
  }

  private async readAll(): Promise<StoredTsigKey[]> {
    const all: StoredTsigKey[] = [];
    await this.storage.transaction(async (tx) => {
      for (let marker: string | undefined; ;) {
        const page = await tx.findTsigKeys({ marker, limit: 1000 });
        all.push(...page.items);
        if (page.next === undefined) break;
        marker = page.next;
      }
    });
    return all;
  }

  /** Swaps the stored keys in the keyring for `rows`; a name the configuration already uses keeps that key. */
  private apply(rows: StoredTsigKey[]): void {
    for (const key of this.loaded.values()) this.keyring.remove(key.name);
    const loaded = new Map<string, TsigKey>();
    const scopes = new Map<string, Scope>();
    for (const row of rows) {
      const key = toKey(row);
      if (key === null) {
        this.log.warn({ tsigkey: row.name, tsigkey_id: row.id, algorithm: row.algorithm }, 'stored TSIG key not usable: skipped');
        continue;
      }
      try {
        this.keyring.add(key);
      } catch {
        this.log.warn({ tsigkey: key.nameText, tsigkey_id: row.id }, 'stored TSIG key has the name of a configured key: the configured one stays');
        continue;
      }
      loaded.set(key.nameText, key);
      scopes.set(key.nameText, { scope: row.scope, resourceId: row.resourceId });
    }
    this.loaded = loaded;
    this.scopes = scopes;
    this.log.info({ keys: loaded.size }, 'TSIG keys read from storage');
  }
}

/** A stored key as the keyring holds it; null when its name, algorithm or secret cannot be used on the wire. */
function toKey(row: StoredTsigKey): TsigKey | null {
  return keyFromFields(row.name, row.algorithm, row.secret);
}
