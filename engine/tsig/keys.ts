// TSIG keys (RFC 8945): the algorithm table, the `kdig -y` key syntax and a keyring looked up by the key
// name found in a message. Secrets never appear in errors, logs or presentation text.
import { MAX_NAME_LENGTH } from '../codec/constants.ts';
import { lowerNameInPlace, NameError, nameFromText, nameHash, nameLength, namesEqual, nameToText } from '../codec/name.ts';

export interface TsigAlgorithm {
  /** Mnemonic as kdig and BIND spell it, e.g. `hmac-sha256`. */
  readonly mnemonic: string;
  /** Algorithm name in canonical (lower-case, uncompressed) wire form (RFC 8945 §6). */
  readonly wire: Uint8Array;
  /** node:crypto digest name for createHmac. */
  readonly hash: string;
  /** HMAC output length in bytes: the longest MAC allowed. */
  readonly digestLength: number;
  /** Shortest MAC accepted, max(10, digestLength / 2) (RFC 8945 §5.2.2.1 rule 3). */
  readonly minMacLength: number;
}

function algorithm(mnemonic: string, wireName: string, hash: string, digestLength: number): TsigAlgorithm {
  return {
    mnemonic, wire: nameFromText(wireName), hash, digestLength,
    minMacLength: Math.max(10, Math.ceil(digestLength / 2)),
  };
}

/** The HMAC algorithms of RFC 8945 §6 (hmac-md5 only for interoperability: it is deprecated). */
export const TSIG_ALGORITHMS: readonly TsigAlgorithm[] = [
  algorithm('hmac-md5', 'hmac-md5.sig-alg.reg.int.', 'md5', 16),
  algorithm('hmac-sha1', 'hmac-sha1.', 'sha1', 20),
  algorithm('hmac-sha224', 'hmac-sha224.', 'sha224', 28),
  algorithm('hmac-sha256', 'hmac-sha256.', 'sha256', 32),
  algorithm('hmac-sha384', 'hmac-sha384.', 'sha384', 48),
  algorithm('hmac-sha512', 'hmac-sha512.', 'sha512', 64),
];

export const DEFAULT_TSIG_ALGORITHM: TsigAlgorithm = TSIG_ALGORITHMS[3];

/** Algorithm by mnemonic or by its wire name in text (`hmac-md5.sig-alg.reg.int.`), case-insensitive. */
export function algorithmByName(text: string): TsigAlgorithm | null {
  let t = text.toLowerCase();
  if (t.endsWith('.')) t = t.slice(0, -1);
  for (const a of TSIG_ALGORITHMS) {
    if (a.mnemonic === t || nameToText(a.wire, 0) === t + '.') return a;
  }
  return null;
}

/** Algorithm whose wire name is the uncompressed name at msg[off] (case-insensitive), else null. */
export function algorithmFromWire(msg: Uint8Array, off: number): TsigAlgorithm | null {
  for (const a of TSIG_ALGORITHMS) if (namesEqual(a.wire, 0, msg, off)) return a;
  return null;
}

export interface TsigKey {
  /** Key name in wire form, lower-case (canonical, RFC 8945 §4.3.3). */
  name: Uint8Array;
  /** Key name as presentation text, absolute, lower-case: safe to log. */
  nameText: string;
  algorithm: TsigAlgorithm;
  /** Never log it, never put it in an error message. */
  secret: Buffer;
}

export class TsigKeyError extends Error {
  override name = 'TsigKeyError';
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Parses the `kdig -y` / `dig -y` key syntax `[ALG:]NAME:SECRET` (SECRET in base64; ALG defaults to
 * hmac-sha256; NAME may omit the final dot). Throws TsigKeyError naming the faulty part, never the secret.
 */
export function parseTsigKeySpec(spec: string): TsigKey {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3) {
    throw new TsigKeyError(`TSIG key must be written [ALGORITHM:]NAME:SECRET (found ${parts.length - 1} colons)`);
  }
  const secretText = parts[parts.length - 1].trim();
  const nameText = parts[parts.length - 2].trim();
  let alg = DEFAULT_TSIG_ALGORITHM;
  if (parts.length === 3) {
    const found = algorithmByName(parts[0].trim());
    if (found === null) {
      throw new TsigKeyError(
        `unknown TSIG algorithm ${JSON.stringify(parts[0].trim())} (known: ${TSIG_ALGORITHMS.map((a) => a.mnemonic).join(', ')})`,
      );
    }
    alg = found;
  }
  return makeTsigKey(nameText, alg, secretText);
}

/** The key in the `kdig -y` syntax parseTsigKeySpec reads, to hand it to another thread. Never log it. */
export function tsigKeySpec(key: TsigKey): string {
  return `${key.algorithm.mnemonic}:${key.nameText}:${key.secret.toString('base64')}`;
}

/**
 * A key from its name (the final dot optional), algorithm and base64 secret, wherever they come from (a
 * `-y` spec, the database). Throws TsigKeyError naming the faulty part, never the secret.
 */
export function makeTsigKey(nameText: string, alg: TsigAlgorithm, secretText: string): TsigKey {
  if (nameText === '') throw new TsigKeyError('TSIG key name is empty');
  let name: Uint8Array;
  try {
    name = nameFromText(nameText.endsWith('.') ? nameText : nameText + '.');
  } catch (e) {
    const why = e instanceof NameError ? e.message : String(e);
    throw new TsigKeyError(`bad TSIG key name ${JSON.stringify(nameText)}: ${why}`);
  }
  lowerNameInPlace(name, 0);
  const keyText = nameToText(name, 0);
  if (secretText === '') throw new TsigKeyError(`TSIG key ${keyText}: secret is empty`);
  if (!BASE64.test(secretText) || secretText.length % 4 === 1) {
    throw new TsigKeyError(`TSIG key ${keyText}: secret is not valid base64`);
  }
  const secret = Buffer.from(secretText, 'base64');
  if (secret.length === 0) throw new TsigKeyError(`TSIG key ${keyText}: secret is empty`);
  return { name, nameText: keyText, algorithm: alg, secret };
}

/** Keys by name. Lookup hashes the name in place (no allocation) and confirms with a label compare. */
export class TsigKeyring {
  private readonly buckets = new Map<number, TsigKey[]>();
  private count = 0;
  /** Called after every add and remove: answering threads mirror the keyring. */
  onChange: (() => void) | null = null;

  /** Adds a key; a second key with the same name (ignoring case) is a configuration error and throws. */
  add(key: TsigKey): void {
    const h = nameHash(key.name, 0, key.name.length);
    const bucket = this.buckets.get(h);
    if (bucket === undefined) {
      this.buckets.set(h, [key]);
    } else {
      if (bucket.some((k) => namesEqual(k.name, 0, key.name, 0))) {
        throw new TsigKeyError(`duplicate TSIG key name ${key.nameText}`);
      }
      bucket.push(key);
    }
    this.count++;
    this.onChange?.();
  }

  /**
   * The key named by the uncompressed name at msg[nameOff], ignoring ASCII case; null when unknown or
   * when the bytes there are not a well-formed uncompressed name inside `msg`.
   */
  find(msg: Uint8Array, nameOff: number): TsigKey | null {
    let p = nameOff;
    for (;;) {
      if (p >= msg.length) return null;
      const l = msg[p];
      if (l === 0) break;
      if (l > 63) return null;
      p += l + 1;
    }
    const end = p + 1;
    if (end - nameOff > MAX_NAME_LENGTH) return null;
    const bucket = this.buckets.get(nameHash(msg, nameOff, end));
    if (bucket === undefined) return null;
    for (const k of bucket) if (namesEqual(k.name, 0, msg, nameOff)) return k;
    return null;
  }

  /** Removes the key named `name` (wire form, any case); false when there is none. */
  remove(name: Uint8Array): boolean {
    const h = nameHash(name, 0, nameLength(name, 0));
    const bucket = this.buckets.get(h);
    const at = bucket?.findIndex((k) => namesEqual(k.name, 0, name, 0)) ?? -1;
    if (at < 0) return false;
    bucket!.splice(at, 1);
    if (bucket!.length === 0) this.buckets.delete(h);
    this.count--;
    this.onChange?.();
    return true;
  }

  get size(): number {
    return this.count;
  }

  *[Symbol.iterator](): IterableIterator<TsigKey> {
    for (const bucket of this.buckets.values()) yield* bucket;
  }
}

/** A key from its stored fields (name, algorithm name, base64 secret); null when one cannot be used on the wire. */
export function keyFromFields(name: string, algorithmName: string, secret: string): TsigKey | null {
  const algorithm = algorithmByName(algorithmName);
  if (algorithm === null) return null;
  try {
    return makeTsigKey(name, algorithm, secret);
  } catch {
    return null;
  }
}
