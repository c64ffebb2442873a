// Zone images shared by the mdns fleet through the fleet cache (services/cache/fleet-cache.ts): an instance
// that read a zone version from storage and compiled it puts the image there, and the others starting or
// joining fetch it instead of reading the database. An image is split under memcached's item size limit:
//
//   <prefix>:<zone id>:latest            the serial of the newest image put (ASCII)
//   <prefix>:<zone id>:<serial>:m        manifest: JSON {bytes, item, crc: [CRC-32 of each item]}
//   <prefix>:<zone id>:<serial>:<i>      item i: bytes [i*item, (i+1)*item) of the image
//
// The prefix carries the image format and the snapshot layout version, so instances of different versions
// never read each other's images. Items are put before the manifest and the manifest before `latest`; a
// missing, evicted or damaged item (CRC mismatch), or a manifest that does not match, makes the whole image a
// miss, and the zone is read from storage. Instances starting together do not all read the same version:
// the first to `add` <zone id>:<serial>:claim reads and compiles it, the others wait for its image.
import { crc32 } from 'node:zlib';
import * as L from '../../engine/snapshot/layout.ts';
import { ZoneSnapshot } from '../../engine/snapshot/snapshot.ts';
import type { FleetCache } from '../cache/fleet-cache.ts';
import type { Logger } from '../log.ts';
import type { ImageStore, ZoneImage } from './zone-images.ts';

const FORMAT = 1;
/** Under memcached's default 1 MiB item limit with room for the key and the item header. */
export const ITEM_BYTES = 1_000_000;
/** Items fetched or stored at once. */
const PARALLEL = 16;
/** How long a claim to build a version holds: an instance that died holding it delays the others this long at most. */
const CLAIM_SECONDS = 60;
const CLAIM_POLL_MS = 200;

interface Manifest {
  bytes: number;
  item: number;
  crc: number[];
}

export class SharedImages implements ImageStore {
  readonly name = 'fleet cache';
  readonly #cache: FleetCache;
  readonly #log: Logger;
  readonly #prefix = `zonecast:zimg:${FORMAT}.${L.LAYOUT_VERSION}`;

  constructor(cache: FleetCache, log: Logger) {
    this.#cache = cache;
    this.#log = log;
  }

  /** The key of one part of a zone's image (`latest`, or `<serial>:m`, `<serial>:<i>`). */
  key(zoneId: string, part: string): string {
    return `${this.#prefix}:${zoneId}:${part}`;
  }

  async load(zoneId: string): Promise<ZoneImage | null> {
    const latest = await this.#cache.get(this.key(zoneId, 'latest'), true);
    if (latest === null) return null;
    const serial = Number(latest.toString('latin1'));
    const rawManifest = await this.#cache.get(this.key(zoneId, `${serial}:m`));
    const manifest = rawManifest === null ? null : parseManifest(rawManifest);
    if (manifest === null) return this.#miss(zoneId, serial, rawManifest === null ? 'manifest missing' : 'manifest unreadable');
    const buffer = new SharedArrayBuffer(manifest.bytes);
    const view = new Uint8Array(buffer);
    let problem: string | null = null;
    await eachLimited(manifest.crc.length, PARALLEL, async (i) => {
      if (problem !== null) return;
      const item = await this.#cache.get(this.key(zoneId, `${serial}:${i}`));
      const expected = Math.min(manifest.item, manifest.bytes - i * manifest.item);
      if (item === null) problem = `item ${i} missing`;
      else if (item.length !== expected) problem = `item ${i}: ${item.length} bytes, not ${expected}`;
      else if (crc32(item) !== manifest.crc[i]) problem = `item ${i}: checksum mismatch`;
      else view.set(item, i * manifest.item);
    });
    if (problem !== null) return this.#miss(zoneId, serial, problem);
    try {
      const snapshot = new ZoneSnapshot(buffer);
      if (snapshot.serial !== serial) return this.#miss(zoneId, serial, `image of serial ${snapshot.serial}`);
    } catch (err) {
      return this.#miss(zoneId, serial, (err as Error).message);
    }
    return { serial, buffer };
  }

  async write(zoneId: string, snapshot: ZoneSnapshot): Promise<void> {
    // Another instance put this version already.
    if ((await this.#cache.get(this.key(zoneId, 'latest'), true))?.toString('latin1') === String(snapshot.serial)) return;
    const image = snapshot.bytes.subarray(0, snapshot.byteLength);
    const count = Math.max(1, Math.ceil(image.length / ITEM_BYTES));
    const crc: number[] = [];
    let stored = true;
    await eachLimited(count, PARALLEL, async (i) => {
      const item = image.subarray(i * ITEM_BYTES, Math.min(image.length, (i + 1) * ITEM_BYTES));
      crc[i] = crc32(item);
      if (!(await this.#cache.set(this.key(zoneId, `${snapshot.serial}:${i}`), item))) stored = false;
    });
    if (!stored) throw new Error('memcached did not take every item');
    const manifest: Manifest = { bytes: image.length, item: ITEM_BYTES, crc };
    if (!(await this.#cache.set(this.key(zoneId, `${snapshot.serial}:m`), Buffer.from(JSON.stringify(manifest))))) throw new Error('memcached did not take the manifest');
    if (!(await this.#cache.set(this.key(zoneId, 'latest'), Buffer.from(String(snapshot.serial))))) throw new Error('memcached did not take the latest serial');
  }

  /** memcached `add` decides: the first instance to ask builds the version; a cache that fails says build. */
  async claim(zoneId: string, serial: number): Promise<boolean> {
    return (await this.#cache.add(this.key(zoneId, `${serial}:claim`), Buffer.from(String(process.pid)), CLAIM_SECONDS)) !== false;
  }

  async waitFor(zoneId: string, serial: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await this.#cache.get(this.key(zoneId, 'latest'), true))?.toString('latin1') === String(serial)) return true;
      // The claim lapsed (its holder died, or could not put the image): stop waiting.
      if ((await this.#cache.get(this.key(zoneId, `${serial}:claim`), true)) === null) return false;
      await new Promise((r) => setTimeout(r, CLAIM_POLL_MS));
    }
    return false;
  }

  async remove(zoneId: string): Promise<void> {
    await this.#cache.delete(this.key(zoneId, 'latest'));
  }

  #miss(zoneId: string, serial: number, problem: string): null {
    this.#log.warn({ zoneId, serial, problem }, 'zone image in the fleet cache unusable: the zone is read from storage');
    return null;
  }
}

function parseManifest(raw: Buffer): Manifest | null {
  try {
    const m = JSON.parse(raw.toString('utf8')) as Manifest;
    const ok = Number.isSafeInteger(m.bytes) && m.bytes > 0 && Number.isSafeInteger(m.item) && m.item > 0 && Array.isArray(m.crc) &&
      m.crc.length === Math.ceil(m.bytes / m.item) && m.crc.every((c) => Number.isInteger(c));
    return ok ? m : null;
  } catch {
    return null;
  }
}

/** Runs `body(0..count-1)` with at most `limit` running at once. */
async function eachLimited(count: number, limit: number, body: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const runner = async () => {
    while (next < count) await body(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, runner));
}
