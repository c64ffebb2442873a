// A zone's recordsets by id, each with the start of its master-file lines (owner, TTL, class, type), kept
// as bytes while rows arrive so that records can be joined to their owners as they are read. Rows come as
// byte views (mysql2's typeCast: false), and nothing per recordset is left on the JS heap: on a
// 100,000-record zone, a Map of id strings took 0.5-0.7 µs an insert and 0.2-0.8 µs a lookup (Node 24,
// measured), and the 200,000 strings it kept were copied by every young-generation collection.
const EMPTY = 0;
/** FNV-1a, 32-bit. */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function hashOf(bytes: Uint8Array, from: number, to: number): number {
  let h = FNV_OFFSET;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i], FNV_PRIME);
  return h >>> 0;
}

export class RecordsetIndex {
  /** Entries, one after another: id length (1 byte), id, start length (2 bytes), start. */
  #arena: Buffer = Buffer.allocUnsafe(1 << 16);
  #used = 0;
  /** Open addressing: an entry's offset in the arena + 1, or EMPTY; beside it the entry's id hash. */
  #slots = new Int32Array(1 << 12);
  #hashes = new Int32Array(1 << 12);
  #count = 0;

  get size(): number {
    return this.#count;
  }

  /** `id` is at most 255 bytes and `start` at most 65,535 (Designate's ids are 32, its names 255). */
  add(id: Uint8Array, start: Uint8Array): void {
    if (id.length > 0xff || start.length > 0xffff) throw new RangeError(`recordset ${Buffer.from(id).toString()}: id or owner too long`);
    const need = 3 + id.length + start.length;
    if (this.#used + need > this.#arena.length) this.#growArena(need);
    if ((this.#count + 1) * 2 > this.#slots.length) this.#rehash(this.#slots.length * 2);
    const at = this.#used;
    const arena = this.#arena;
    // Byte loops, for a few dozen bytes: with TypedArray.set and Buffer.copy here and in MasterLines, the
    // first AXFR of 100,000 records after a start took 0.36-0.52 s, against 0.36-0.45 s (six starts each).
    arena[at] = id.length;
    for (let i = 0; i < id.length; i++) arena[at + 1 + i] = id[i];
    const startAt = at + 1 + id.length;
    arena[startAt] = start.length >> 8;
    arena[startAt + 1] = start.length & 0xff;
    for (let i = 0; i < start.length; i++) arena[startAt + 2 + i] = start[i];
    this.#used = at + need;
    this.#place(at, hashOf(id, 0, id.length));
    this.#count++;
  }

  /** The entry of the recordset `id`, or -1. */
  find(id: Uint8Array): number {
    const slots = this.#slots;
    const mask = slots.length - 1;
    const arena = this.#arena;
    for (let slot = hashOf(id, 0, id.length) & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[slot];
      if (entry === EMPTY) return -1;
      const at = entry - 1;
      if (arena[at] !== id.length) continue;
      let same = true;
      for (let i = 0; i < id.length; i++) {
        if (arena[at + 1 + i] !== id[i]) {
          same = false;
          break;
        }
      }
      if (same) return at;
    }
  }

  /** The byte length of an entry's line start. */
  startLength(entry: number): number {
    const startAt = entry + 1 + this.#arena[entry];
    return (this.#arena[startAt] << 8) | this.#arena[startAt + 1];
  }

  /** Copies an entry's line start into `target` at `at`; the offset after it. */
  copyStart(entry: number, target: Uint8Array, at: number): number {
    const arena = this.#arena;
    const startAt = entry + 3 + arena[entry];
    const end = startAt + this.startLength(entry);
    for (let i = startAt; i < end; i++) target[at++] = arena[i];
    return at;
  }

  #place(at: number, hash: number): void {
    const slots = this.#slots;
    const mask = slots.length - 1;
    let slot = hash & mask;
    while (slots[slot] !== EMPTY) slot = (slot + 1) & mask;
    slots[slot] = at + 1;
    this.#hashes[slot] = hash;
  }

  #rehash(size: number): void {
    const slots = this.#slots;
    const hashes = this.#hashes;
    this.#slots = new Int32Array(size);
    this.#hashes = new Int32Array(size);
    for (let slot = 0; slot < slots.length; slot++) {
      if (slots[slot] !== EMPTY) this.#place(slots[slot] - 1, hashes[slot]);
    }
  }

  #growArena(need: number): void {
    const grown = Buffer.allocUnsafe(Math.max(this.#arena.length * 2, this.#used + need));
    this.#arena.copy(grown, 0, 0, this.#used);
    this.#arena = grown;
  }
}
