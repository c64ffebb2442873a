// Growing byte buffers, shared by everything that packs records or messages as it goes.

/** The parts one after another in a new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** `buf` when it can take `need` more bytes after `used`, else a copy at least twice as large. */
export function growBytes(buf: Uint8Array, used: number, need: number): Uint8Array {
  if (used + need <= buf.length) return buf;
  let size = Math.max(buf.length * 2, 64);
  while (size < used + need) size *= 2;
  const next = new Uint8Array(size);
  next.set(buf.subarray(0, used));
  return next;
}
