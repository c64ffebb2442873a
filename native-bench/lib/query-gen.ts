// dnsperf query files ("name TYPE" per line), shuffled so that consecutive
// queries hit unrelated parts of the zone, as real traffic does.
import { writeFileSync } from 'node:fs';
import { mulberry32, randInt, randWord, shuffle } from './prng.ts';
import { ORIGIN, type NameType } from './zone-gen.ts';

export type QueryMix = 'existing' | 'nx10';
export const QUERY_MIXES: readonly QueryMix[] = ['existing', 'nx10'];
/** Share of each mix's queries whose name does not exist: the expected NXDOMAIN share. */
export const NX_SHARE: Record<QueryMix, number> = { existing: 0, nx10: 0.1 };

/**
 * "existing": every generated name/type pair once.
 * "nx10": the same list where 10% of the lines are replaced by names that do
 * not exist under the zone (NXDOMAIN path). NX labels start with "nx--": two
 * hyphens, which generated owners (exactly one hyphen) never have.
 */
export function writeQueries(path: string, pairs: NameType[], mix: QueryMix, seed: number): void {
  const rand = mulberry32(seed);
  const lines = pairs.map((p) => `${p.name} ${p.type}`);
  const nx = Math.round(lines.length * NX_SHARE[mix]);
  for (let i = 0; i < nx; i++) {
    // Keep the type distribution of the zone so only the name part changes.
    const type = pairs[randInt(rand, pairs.length)].type;
    lines[i] = `nx--${randWord(rand, 6, 12)}.${ORIGIN} ${type}`;
  }
  shuffle(rand, lines);
  writeFileSync(path, lines.join('\n') + '\n');
}
