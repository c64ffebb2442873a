// Serial number arithmetic (RFC 1982): serials wrap at 2^32, and "newer" means ahead by less than 2^31.

/** True when serial `b` is newer than serial `a`. Equal serials, and pairs exactly 2^31 apart, are not. */
export function serialNewer(b: number, a: number): boolean {
  const d = (b - a) >>> 0;
  return d !== 0 && d < 0x80000000;
}

/**
 * The serial after `previous` (null: none yet), given the time in seconds since the Unix epoch: the clock
 * when it is newer, else previous + 1. Knot does this for the zones it generates and Designate means to (its
 * increment_serial takes the clock even when that goes backwards, e.g. after importing a date-style serial;
 * this never does). A serial past 2^32 wraps to 0, which RFC 1982 still orders after it.
 */
export function nextSerial(previous: number | null, nowSeconds: number): number {
  const now = Math.floor(nowSeconds) >>> 0;
  if (previous === null || serialNewer(now, previous)) return now;
  return (previous + 1) >>> 0;
}
