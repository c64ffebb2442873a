// Puts a compiled snapshot into service and starts rendering its AXFR image in the pool. Queries see the
// new serial at once; transfers of it wait for the image (usually a fraction of the compile time).
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
  const started = performance.now();
  const image = pool.axfrImage({ snapshot: buffer, ...xfr }).then((b) => new AxfrImage(b));
  zone.axfr = image;
  // Handled here so a failed rendering is logged once; transfers awaiting it still see the rejection.
  image.then(
    (img) => log.debug({ zone: zone.text, serial: snapshot.serial, messages: img.count, bytes: img.byteLength, ms: Math.round(performance.now() - started) }, 'axfr image ready'),
    (err: Error) => log.error({ zone: zone.text, serial: snapshot.serial, err: err.message }, 'axfr image failed: transfers of this serial get SERVFAIL'),
  );
  return snapshot;
}
