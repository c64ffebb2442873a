// TSIG keys from Designate's tsigkeys table: read again for every signed question (designate-mdns reads
// them twice per signed packet), so a key created through the API is used at once and a deleted or changed
// one stops working at once. The engine's keyring verifies and signs; this keeps it in line and says what
// each key may see: a POOL key its pool's zones, a ZONE key its zone. Designate ignores the algorithm it
// stores and takes the request's; a stored algorithm the engine lacks makes the key unusable here.
import { nameFromText } from '../../engine/codec/name.ts';
import { keyFromFields, type TsigKeyring } from '../../engine/tsig/keys.ts';
import type { Logger } from '../log.ts';
import type { StoredTsigKey, ZoneReader } from './reader.ts';

export type KeyScope = { kind: 'pool'; poolId: string } | { kind: 'zone'; zoneId: string };

export class DesignateKeys {
  readonly #keyring: TsigKeyring;
  readonly #reader: ZoneReader;
  readonly #log: Logger;
  /** The keys in the keyring as last read, by name (lower case, no final dot). */
  readonly #stored = new Map<string, StoredTsigKey>();

  constructor(keyring: TsigKeyring, reader: ZoneReader, log: Logger) {
    this.#keyring = keyring;
    this.#reader = reader;
    this.#log = log;
  }

  /** The scope of a key as last read; null for a key not in the database (its questions get BADKEY). */
  scopeOf(name: string): KeyScope | null {
    const key = this.#stored.get(name);
    if (key === undefined) return null;
    return key.scope === 'ZONE' ? { kind: 'zone', zoneId: key.resourceId } : { kind: 'pool', poolId: key.resourceId };
  }

  /** Reads `names` again and brings the keyring in line: added, changed or gone. */
  async refresh(names: ReadonlySet<string>): Promise<void> {
    const found = new Map((await this.#reader.tsigKeys(names)).map((k) => [k.name, k]));
    for (const name of names) {
      const key = found.get(name);
      const had = this.#stored.get(name);
      if (key !== undefined && had !== undefined && key.secret === had.secret && key.algorithm === had.algorithm) {
        // The same key, perhaps scoped anew.
        this.#stored.set(name, key);
        continue;
      }
      if (had !== undefined) {
        this.#keyring.remove(nameFromText(`${name}.`));
        this.#stored.delete(name);
      }
      if (key === undefined) {
        if (had !== undefined) this.#log.info({ key: name }, 'TSIG key no longer in the database');
        continue;
      }
      const usable = keyFromFields(key.name, key.algorithm, key.secret);
      if (usable === null) {
        this.#log.warn({ key: name, algorithm: key.algorithm }, 'TSIG key not usable (algorithm or secret): its requests get BADKEY');
        continue;
      }
      this.#keyring.add(usable);
      this.#stored.set(name, key);
      this.#log.info({ key: name, scope: key.scope, resource: key.resourceId }, had === undefined ? 'TSIG key read' : 'TSIG key changed');
    }
  }
}
