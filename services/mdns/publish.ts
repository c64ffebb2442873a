// Puts a compiled snapshot into service. Queries see the new serial at once; its AXFR image is rendered in
// the pool when the first AXFR of that serial asks for it, and that transfer (and any arriving meanwhile)
// sends each message as soon as the pool has finished it.
import type { HostedZone } from '../../engine/answer/zone-table.ts';
import type { CompilePool } from '../../engine/pool/compile-pool.ts';
import { ZoneSnapshot } from '../../engine/snapshot/snapshot.ts';
import { allocateAxfrImage, AxfrImage, type AxfrImageOptions } from '../../engine/xfr/axfr-image.ts';
import type { Logger } from '../log.ts';

export function publishSnapshot(
  zone: HostedZone, buffer: SharedArrayBuffer, pool: CompilePool, xfr: AxfrImageOptions, log: Logger,
): ZoneSnapshot {
  const snapshot = new ZoneSnapshot(buffer);
  zone.snapshot = snapshot;
  let image: Promise<AxfrImage> | null = null;
  zone.axfr = () => image ??= render(zone, snapshot, pool, xfr, log);
  return snapshot;
}

/** Buffers being read outside queries (a pool thread rendering AXFR, the image being saved), and by how many. */
const readers = new WeakMap<SharedArrayBuffer, number>();

/** Marks the buffer as being read until the returned function is called: it is not written over meanwhile. */
export function holdBuffer(buffer: SharedArrayBuffer): () => void {
  readers.set(buffer, (readers.get(buffer) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const n = readers.get(buffer)! - 1;
    if (n === 0) readers.delete(buffer);
    else readers.set(buffer, n);
  };
}

/** Whether a snapshot no longer serving may have its buffer written over: nothing is reading it. */
export function reusable(snapshot: ZoneSnapshot): boolean {
  return !readers.has(snapshot.buffer);
}

function render(zone: HostedZone, snapshot: ZoneSnapshot, pool: CompilePool, xfr: AxfrImageOptions, log: Logger): Promise<AxfrImage> {
  const started = performance.now();
  const release = holdBuffer(snapshot.buffer);
  const image = new AxfrImage(allocateAxfrImage(snapshot));
  // Transfers start sending as soon as the first message is there; the rendering goes on in the pool.
  pool.renderAxfr({ snapshot: snapshot.buffer, target: image.buffer, ...xfr }).then(
    (messages) => log.debug({ zone: zone.text, serial: snapshot.serial, messages, bytes: image.byteLength, ms: Math.round(performance.now() - started) }, 'axfr image ready'),
    (err: Error) => {
      // A task that died before it could say so leaves the image rendering: mark it failed for the waiters.
      image.abandon();
      log.error({ zone: zone.text, serial: snapshot.serial, err: err.message }, 'axfr image failed: transfers of this serial are cut short');
    },
  ).finally(release);
  return Promise.resolve(image);
}
