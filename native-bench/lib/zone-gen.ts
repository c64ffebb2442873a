// Deterministic benchmark zone: SOA, 2 NS + glue, then N records over distinct
// owner names with a realistic type mix. Written with absolute names and an
// explicit TTL/class on every line (no $ORIGIN/$TTL) so that any master-file
// parser, however minimal, reads it the same way as Knot does.
import { closeSync, openSync, writeSync } from 'node:fs';
import { mulberry32, randInt, randWord } from './prng.ts';

export const ORIGIN = 'bench.test.';
const TTL = 3600;

/** Owner name and type of one generated record: what a query can ask for. */
export interface NameType {
  name: string;
  type: string;
}

/** Cumulative type mix: 70% A, 10% AAAA, 10% TXT, 5% MX, 5% CNAME. */
const MIX: Array<[number, string]> = [
  [0.7, 'A'],
  [0.8, 'AAAA'],
  [0.9, 'TXT'],
  [0.95, 'MX'],
  [1, 'CNAME'],
];

function pickType(r: number): string {
  for (const [limit, type] of MIX) if (r < limit) return type;
  return 'A';
}

const hex16 = (rand: () => number) => randInt(rand, 0x10000).toString(16);

/**
 * Writes the zone to `path` and returns the (name, type) pair of every
 * generated record, in generation order (the query generator shuffles them).
 * Owner labels are `<word>-<index in base36>`: exactly one hyphen and unique.
 */
export function writeZone(path: string, records: number, seed: number): NameType[] {
  const rand = mulberry32(seed);
  const pairs: NameType[] = [];
  // CNAME and MX point at A owners generated earlier, so targets always exist
  // and both servers do the same in-zone chasing / additional-section work.
  const aOwners: string[] = [`ns1.${ORIGIN}`];
  const fd = openSync(path, 'w');
  let buf =
    `${ORIGIN} ${TTL} IN SOA ns1.${ORIGIN} hostmaster.${ORIGIN} 2024010101 7200 3600 1209600 3600\n` +
    `${ORIGIN} ${TTL} IN NS ns1.${ORIGIN}\n` +
    `${ORIGIN} ${TTL} IN NS ns2.${ORIGIN}\n` +
    `ns1.${ORIGIN} ${TTL} IN A 192.0.2.1\n` +
    `ns2.${ORIGIN} ${TTL} IN A 192.0.2.2\n`;
  for (let i = 0; i < records; i++) {
    const name = `${randWord(rand, 3, 10)}-${i.toString(36)}.${ORIGIN}`;
    const type = pickType(rand());
    let rdata: string;
    switch (type) {
      case 'A':
        rdata = `10.${randInt(rand, 256)}.${randInt(rand, 256)}.${randInt(rand, 256)}`;
        aOwners.push(name);
        break;
      case 'AAAA':
        rdata = `2001:db8:${hex16(rand)}:${hex16(rand)}::${hex16(rand)}`;
        break;
      case 'TXT':
        rdata = `"v=bench1 ${randWord(rand, 8, 48)}"`;
        break;
      case 'MX':
        rdata = `${10 * (1 + randInt(rand, 5))} ${aOwners[randInt(rand, aOwners.length)]}`;
        break;
      default:
        rdata = aOwners[randInt(rand, aOwners.length)];
    }
    buf += `${name} ${TTL} IN ${type} ${rdata}\n`;
    pairs.push({ name, type });
    // Flush in ~1 MB chunks: a 1M-record zone is ~50 MB.
    if (buf.length > 1 << 20) {
      writeSync(fd, buf);
      buf = '';
    }
  }
  writeSync(fd, buf);
  closeSync(fd);
  return pairs;
}
