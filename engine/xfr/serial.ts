// Serial number arithmetic (RFC 1982): serials wrap at 2^32, and "newer" means ahead by less than 2^31.

/** True when serial `b` is newer than serial `a`. Equal serials, and pairs exactly 2^31 apart, are not. */
export function serialNewer(b: number, a: number): boolean {
  const d = (b - a) >>> 0;
  return d !== 0 && d < 0x80000000;
}
