// This instance's own zone images, one file per zone id in `[DEFAULT] state_path`/zone-images, written whole
// to a temporary name and renamed, so a crash leaves the previous image or the new one, never half of one:
//
//   u32 magic "zimg", u32 file format, u32 snapshot layout version, u32 serial, u32 image bytes,
//   u32 CRC-32 of the image, then the image (the snapshot's SharedArrayBuffer contents, snapshot/layout.ts).
//
// CRC-32 (zlib's, about 5 GB/s here) catches torn or damaged files; an image failing any check is deleted.
import { mkdirSync } from 'node:fs';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import * as L from '../../engine/snapshot/layout.ts';
import { ZoneSnapshot } from '../../engine/snapshot/snapshot.ts';
import type { Logger } from '../log.ts';
import type { ImageStore, ZoneImage } from './zone-images.ts';

const MAGIC = 0x7a696d67; // "zimg"
const FORMAT = 1;
const HEAD_BYTES = 24;

export class LocalImages implements ImageStore {
  readonly name = 'local image';
  readonly #dir: string;
  readonly #log: Logger;

  constructor(dir: string, log: Logger) {
    this.#dir = dir;
    this.#log = log;
    mkdirSync(dir, { recursive: true });
  }

  #path(zoneId: string): string {
    return join(this.#dir, `${zoneId}.zimg`);
  }

  async load(zoneId: string): Promise<ZoneImage | null> {
    const path = this.#path(zoneId);
    let fh;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    let problem: string;
    try {
      const head = Buffer.alloc(HEAD_BYTES);
      const { size } = await fh.stat();
      if ((await fh.read(head, 0, HEAD_BYTES, 0)).bytesRead === HEAD_BYTES && head.readUInt32BE(0) === MAGIC && head.readUInt32BE(4) === FORMAT) {
        const [layout, serial, bytes, crc] = [8, 12, 16, 20].map((o) => head.readUInt32BE(o));
        if (layout !== L.LAYOUT_VERSION) problem = `snapshot layout ${layout}, not ${L.LAYOUT_VERSION}`;
        else if (size !== HEAD_BYTES + bytes) problem = `${size} bytes, not ${HEAD_BYTES + bytes}`;
        else {
          const buffer = new SharedArrayBuffer(bytes);
          const view = new Uint8Array(buffer);
          if ((await fh.read(view, 0, bytes, HEAD_BYTES)).bytesRead !== bytes) problem = 'short read';
          else if (crc32(view) !== crc) problem = 'checksum mismatch';
          else {
            const snapshot = new ZoneSnapshot(buffer);
            if (snapshot.serial === serial) return { serial, buffer };
            problem = `image serial ${snapshot.serial}, header ${serial}`;
          }
        }
      } else problem = 'not a zone image';
    } catch (err) {
      problem = (err as Error).message;
    } finally {
      await fh.close();
    }
    this.#log.warn({ zoneId, path, problem }, 'zone image unusable: deleted, the zone is read from storage');
    await rm(path, { force: true });
    return null;
  }

  async write(zoneId: string, snapshot: ZoneSnapshot): Promise<void> {
    const image = snapshot.bytes.subarray(0, snapshot.byteLength);
    const head = Buffer.alloc(HEAD_BYTES);
    [MAGIC, FORMAT, L.LAYOUT_VERSION, snapshot.serial, image.length, crc32(image)].forEach((v, i) => head.writeUInt32BE(v, i * 4));
    const path = this.#path(zoneId);
    const temporary = `${path}.${process.pid}.tmp`;
    const fh = await open(temporary, 'w');
    try {
      await fh.write(head, 0, HEAD_BYTES, 0);
      const { bytesWritten } = await fh.write(image, 0, image.length, HEAD_BYTES);
      if (bytesWritten !== image.length) throw new Error(`wrote ${bytesWritten} of ${image.length} bytes`);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(temporary, path);
  }

  async remove(zoneId: string): Promise<void> {
    await rm(this.#path(zoneId), { force: true });
  }

  /** Also removes the temporary files of saves a crash cut short (another process's pid). */
  async prune(keep: (zoneId: string) => boolean): Promise<number> {
    let removed = 0;
    for (const file of await readdir(this.#dir)) {
      const id = file.endsWith('.zimg') ? file.slice(0, -5) : null;
      const abandoned = file.endsWith('.tmp') && !file.endsWith(`.${process.pid}.tmp`);
      if (!abandoned && (id === null || keep(id))) continue;
      await rm(join(this.#dir, file), { force: true });
      removed++;
    }
    return removed;
  }
}
