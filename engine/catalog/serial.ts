// The catalog's SOA serial. Consumers only transfer a catalog whose serial is newer (RFC 9432 §4.1, RFC 1982
// arithmetic), and the catalog is generated, not read from a file someone edits, so zonecast picks it.
//
// Choice: the Unix time in seconds, or previous + 1 when that is not newer (several changes within one
// second). It is what Knot does for the catalogs it generates and what Designate does for every serial
// (max(serial + 1, now)). Without persisted state a restart starts again from the clock, which is newer
// than anything served before unless the catalog changed faster than once a second on average until just
// before the restart, and then only until the clock catches up. A serial that goes past 2^32 wraps to 0,
// which RFC 1982 still orders after it.
import { serialNewer } from '../xfr/serial.ts';

/** The serial after `previous` (null: none served yet), given the time in seconds since the Unix epoch. */
export function nextCatalogSerial(previous: number | null, nowSeconds: number): number {
  const now = Math.floor(nowSeconds) >>> 0;
  if (previous === null || serialNewer(now, previous)) return now;
  return (previous + 1) >>> 0;
}
