// Seeded PRNG so that every run (and every machine) benchmarks the exact same
// zone and query order: results stay comparable across commits.

/** mulberry32: tiny, fast, good enough statistical quality for test data. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [0, n). */
export function randInt(rand: () => number, n: number): number {
  return Math.floor(rand() * n);
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Random lowercase letters/digits, length in [min, max]. */
export function randWord(rand: () => number, min: number, max: number): string {
  const len = min + randInt(rand, max - min + 1);
  let s = '';
  for (let i = 0; i < len; i++) s += ALNUM[randInt(rand, ALNUM.length)];
  return s;
}

/** In-place Fisher-Yates shuffle. */
export function shuffle<T>(rand: () => number, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randInt(rand, i + 1);
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}
