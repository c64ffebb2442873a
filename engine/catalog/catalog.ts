// A catalog zone (RFC 9432): the list of zones a primary serves, published as an ordinary zone so that
// secondaries that consume it (Knot `catalog-role: interpret`, BIND `catalog-zones`) add and drop member
// zones by themselves when it changes. Its records, as Designate renders its own catalog
// (storage.get_catalog_zone_records), except for the member labels (Designate uses zone UUIDs):
//
//   <catalog>                      SOA   <mname> <rname> <serial> <refresh> <retry> <expire> <minimum>
//   <catalog>                      NS    invalid.
//   version.<catalog>              TXT   "2"
//   <unique-id>.zones.<catalog>    PTR   <member>            (one per member zone)
import { hash } from 'node:crypto';
import { MAX_LABEL_LENGTH, Type, Class } from '../codec/constants.ts';
import { lowerNameInPlace, nameFromText, namesEqual } from '../codec/name.ts';
import { rdataFromString } from '../codec/rdata/text.ts';
import { RecordCollector } from '../snapshot/collector.ts';
import { buildSnapshot, type BuildResult } from '../snapshot/builder.ts';

export interface CatalogOptions {
  /** SOA MNAME. RFC 9432 leaves it free and Designate writes its first NS; by default it names no host. */
  mname: string;
  /** SOA RNAME. Designate writes the catalog's own name here; by default it names no mailbox. */
  rname: string;
  /** TTL of every record. RFC 9432 §4.2 leaves it undefined (the catalog is for transfer, not resolvers). */
  ttl: number;
  /** How often secondaries poll the catalog when a NOTIFY is lost: Designate's catalog_zone_refresh default. */
  refresh: number;
  retry: number;
  /**
   * As long as the SOA allows (2^31 - 2, what Designate and Knot write): an expired catalog loses its
   * meaning and its consumers stop following it (RFC 9432 §5.1), so a secondary cut off from us keeps it.
   */
  expire: number;
  minimum: number;
  /** Hex digits of SHA-256 in a member's label (see memberIds). */
  idChars: number;
}

/** Designate's values: catalog_zone_refresh's default, and its zone defaults for retry, minimum and TTL. */
export const CATALOG_DEFAULTS: CatalogOptions = {
  mname: 'invalid.',
  rname: 'invalid.',
  ttl: 3600,
  refresh: 60,
  retry: 600,
  expire: 2147483646,
  minimum: 3600,
  idChars: 16,
};

/**
 * The records of catalog `catalog` listing `members` (absolute names, in any order and letter case;
 * duplicates and the catalog itself are left out: a catalog does not list itself). Throws NameError for a
 * relative or malformed name.
 */
export function catalogRecords(
  catalog: string, members: readonly string[], serial: number, options: Partial<CatalogOptions> = {},
): RecordCollector {
  const o = { ...CATALOG_DEFAULTS, ...options };
  const apex = lowerName(catalog);
  const out = new RecordCollector();
  const add = (owner: Uint8Array, type: number, rdata: Uint8Array) => out.add(owner, owner.length, type, Class.IN, o.ttl, rdata, rdata.length);
  add(apex, Type.SOA, rdataFromString(Type.SOA, `${o.mname} ${o.rname} ${serial >>> 0} ${o.refresh} ${o.retry} ${o.expire} ${o.minimum}`, apex));
  // RFC 9432 §4.1: a zone needs an NS RRset, but consumers must ignore it; "invalid." is the recommended one.
  add(apex, Type.NS, nameFromText('invalid.'));
  // RFC 9432 §4.3.1: consumers process only a catalog whose version.$CATZ TXT says "2".
  add(nameFromText('version', apex), Type.TXT, Uint8Array.of(1, 0x32));
  const names = memberNames(apex, members);
  const ids = memberIds(names, o.idChars);
  // RFC 9432 §4.2: one PTR, alone in its RRset, per member node under zones.$CATZ.
  for (let i = 0; i < names.length; i++) add(memberNode(ids[i], apex), Type.PTR, names[i]);
  return out;
}

/** What buildCatalog needs: plain data, so it can also cross to a pool thread. */
export interface CatalogRequest {
  catalog: string;
  members: readonly string[];
  serial: number;
  options?: Partial<CatalogOptions>;
}

/** catalogRecords compiled into a snapshot, ready for publishSnapshot. */
export function buildCatalog(request: CatalogRequest): BuildResult {
  const { catalog, members, serial, options } = request;
  return buildSnapshot(lowerName(catalog), catalogRecords(catalog, members, serial, options));
}

/**
 * Distinct members in wire form, lower case, in wire byte order, without the catalog itself. Two labels
 * pointing to one zone would make the whole catalog broken for consumers (RFC 9432 §4.2).
 */
function memberNames(apex: Uint8Array, members: readonly string[]): Uint8Array[] {
  const byWire = new Map<string, Uint8Array>();
  for (const member of members) {
    const name = lowerName(member);
    if (!namesEqual(name, 0, apex, 0)) byWire.set(Buffer.from(name.buffer, name.byteOffset, name.length).toString('latin1'), name);
  }
  return [...byWire.keys()].sort().map((key) => byWire.get(key)!);
}

/**
 * The unique-id label of each member (RFC 9432 §4.2 requires only that it be unique in the catalog): the
 * first `idChars` hex digits of SHA-256 over the member's lower-case wire name. A function of the name
 * alone, it stays the same in every version of the catalog, as it must: consumers take a changed label for
 * the zone removed with all its state, then added afresh (RFC 9432 §5.4). Should two members share the
 * prefix, the later one (in `names` order) takes twice as many digits, up to a whole label: ids are then
 * still unique, and stable unless a colliding member comes or goes (at 16 digits, odds of about n^2 / 2^65
 * for n members).
 */
export function memberIds(names: readonly Uint8Array[], idChars = CATALOG_DEFAULTS.idChars): string[] {
  const taken = new Set<string>();
  return names.map((name) => {
    const digest = hash('sha256', name, 'hex');
    let chars = idChars;
    while (taken.has(digest.slice(0, chars))) chars = Math.min(chars * 2, MAX_LABEL_LENGTH);
    const id = digest.slice(0, chars);
    taken.add(id);
    return id;
  });
}

/** `<id>.zones.<apex>` in wire form, written directly: nameFromText per member was a third of the time. */
function memberNode(id: string, apex: Uint8Array): Uint8Array {
  const name = new Uint8Array(1 + id.length + ZONES_LABEL.length + apex.length);
  name[0] = id.length;
  for (let i = 0; i < id.length; i++) name[1 + i] = id.charCodeAt(i);
  name.set(ZONES_LABEL, 1 + id.length);
  name.set(apex, 1 + id.length + ZONES_LABEL.length);
  return name;
}

const ZONES_LABEL = Uint8Array.of(5, 0x7a, 0x6f, 0x6e, 0x65, 0x73); // "zones"

function lowerName(text: string): Uint8Array {
  const name = nameFromText(text);
  lowerNameInPlace(name, 0);
  return name;
}
