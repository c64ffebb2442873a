// Puts a compiled snapshot into service. Queries see the new serial at once; its AXFR image is rendered in
// the pool when the first AXFR of that serial asks for it, and that transfer (and any arriving meanwhile)
// waits for it.
import type { HostedZone } from '../../engine/answer/zone-table.ts';
import type { CompilePool } from '../../engine/pool/compile-pool.ts';
import { ZoneSnapshot } from '../../engine/snapshot/snapshot.ts';
import { AxfrImage, type AxfrImageOptions } from '../../engine/xfr/axfr-image.ts';
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
  const image = pool.axfrImage({ snapshot: snapshot.buffer, ...xfr }).then((b) => new AxfrImage(b));
  void image.finally(release).catch(() => {});
  // Handled here so a failed rendering is logged once; transfers awaiting it still see the rejection.
  image.then(
    (img) => log.debug({ zone: zone.text, serial: snapshot.serial, messages: img.count, bytes: img.byteLength, ms: Math.round(performance.now() - started) }, 'axfr image ready'),
    (err: Error) => log.error({ zone: zone.text, serial: snapshot.serial, err: err.message }, 'axfr image failed: transfers of this serial get SERVFAIL'),
  );
  return image;
}
