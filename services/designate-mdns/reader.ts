// The statements `zonecast designate-mdns` sends, all reads: the freshness check of a question's zone (one
// indexed statement, shared by the questions of one round), a zone's records for a rebuild (one consistent
// snapshot), TSIG keys by name, and the SECONDARY zones a NOTIFY names. Names compare case-insensitively,
// as Designate's utf8_general_ci columns compare them; only live zones count (deleted = '0').
import type { ZoneAttributeRow, ZoneMasterRow, ZoneRow as FullZoneRow } from '../messaging/oslo-codec.ts';
import type { DesignateDatabase, Reader } from './database.ts';
import { catalogFingerprint, catalogMembers, catalogText, fingerprintOf } from './catalog.ts';
import { MasterLines } from './master-lines.ts';
import { RecordsetIndex } from './recordset-index.ts';
import { storedId } from './schema.ts';

/** A zone row as far as serving it goes; `(id, serial, version)` says whether a compiled copy is current. */
export interface ZoneRow {
  id: string;
  /** Lower case, absolute (with the final dot), as the engine names zones. */
  name: string;
  serial: number;
  version: number;
  poolId: string;
  type: string;
  ttl: number;
}

export interface StoredTsigKey {
  /** Lower case, without the final dot, as Designate stores and looks it up. */
  name: string;
  algorithm: string;
  secret: string;
  scope: 'POOL' | 'ZONE';
  resourceId: string;
}

export interface ZoneContent {
  /** The zone row read in the same snapshot as the records. */
  zone: ZoneRow;
  /** What this content is a version of: (id, serial, version), and for a catalog zone its members' fingerprint. */
  key: string;
  /** Master-file text of every record (the SOA as stored), one per line, as UTF-8. */
  text: Uint8Array;
  records: number;
}

/** Told of a zone's content while it is read: the row and SOA first, then whole master-file lines. */
export interface ContentSink {
  /** `soa` is the SOA as a master-file line, or null when the zone has none stored. */
  begin(zone: ZoneRow, key: string, soa: string | null): void;
  lines(text: Uint8Array): void;
}

/** Records a chunk of lines holds: a 64 KB AXFR message takes about 1,800 A records. */
const CHUNK_RECORDS = 1000;
/** A first guess at a line's UTF-8 size from the number of recordsets: an A record's line takes about 40. */
const LINE_BYTES = 48;

const ZONE_COLUMNS = 'id, name, serial, version, pool_id, type, ttl';

interface RawZone {
  id: string;
  name: string;
  serial: number | string;
  version: number | string;
  pool_id: string | null;
  type: string | null;
  ttl: number | string;
}

function zoneRow(raw: RawZone): ZoneRow {
  return {
    id: storedId(raw.id), name: absoluteLower(raw.name), serial: Number(raw.serial) >>> 0, version: Number(raw.version),
    poolId: raw.pool_id === null ? '' : storedId(raw.pool_id), type: raw.type ?? 'PRIMARY', ttl: Number(raw.ttl),
  };
}

function absoluteLower(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** The version of a zone's row: a compiled copy with another key is out of date. */
export const rowKey = (row: ZoneRow) => `${row.id}/${row.serial}/${row.version}`;

const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

export class ZoneReader {
  readonly #db: DesignateDatabase;

  constructor(db: DesignateDatabase) {
    this.#db = db;
  }

  /**
   * The live zones named `names` in pool `poolId` and those with ids `ids` (ZONE-scoped keys): one statement
   * over the unique index (name, deleted, pool_id) and the primary key.
   */
  async check(byPool: ReadonlyMap<string, ReadonlySet<string>>, ids: ReadonlySet<string>): Promise<ZoneRow[]> {
    const terms: string[] = [];
    const params: string[] = [];
    for (const [poolId, names] of byPool) {
      if (names.size === 0) continue;
      terms.push(`(pool_id = ? AND name IN (${marks(names.size)}))`);
      params.push(poolId, ...names);
    }
    if (ids.size > 0) {
      terms.push(`id IN (${marks(ids.size)})`);
      params.push(...ids);
    }
    if (terms.length === 0) return [];
    const rows = await this.#db.rows<RawZone>(`SELECT ${ZONE_COLUMNS} FROM zones WHERE deleted = '0' AND (${terms.join(' OR ')})`, params);
    return rows.map(zoneRow);
  }

  /**
   * TSIG keys by name (lower case, no final dot). Also under the name with its final dot, which is how
   * Designate stores a catalog zone's key (its FQDN) and then never finds it: here it is found.
   */
  async tsigKeys(names: ReadonlySet<string>): Promise<StoredTsigKey[]> {
    if (names.size === 0) return [];
    const spellings = [...names].flatMap((n) => [n, `${n}.`]);
    const rows = await this.#db.rows<{ name: string; algorithm: string; secret: string; scope: string; resource_id: string }>(
      `SELECT name, algorithm, secret, scope, resource_id FROM tsigkeys WHERE name IN (${marks(spellings.length)})`, spellings,
    );
    return rows.map((r) => ({
      name: r.name.toLowerCase().replace(/\.$/, ''), algorithm: r.algorithm, secret: r.secret,
      scope: r.scope === 'ZONE' ? 'ZONE' : 'POOL', resourceId: storedId(r.resource_id),
    }));
  }

  /**
   * The live SECONDARY zones named `name` in every pool, whole (with masters and attributes other than
   * 'master'), as designate-mdns's find_zones gives them to a NOTIFY: the sender decides which is meant.
   */
  async secondaries(name: string): Promise<FullZoneRow[]> {
    const zones = await this.#db.rows<FullZoneRow>("SELECT * FROM zones WHERE name = ? AND type = 'SECONDARY' AND deleted = '0' ORDER BY created_at, id", [name]);
    if (zones.length === 0) return [];
    const ids = zones.map((z) => z.id);
    const masters = await this.#db.rows<ZoneMasterRow>(`SELECT * FROM zone_masters WHERE zone_id IN (${marks(ids.length)}) ORDER BY created_at, id`, ids);
    const attributes = await this.#db.rows<ZoneAttributeRow>(
      `SELECT * FROM zone_attributes WHERE zone_id IN (${marks(ids.length)}) AND \`key\` != 'master' ORDER BY created_at, id`, ids,
    );
    return zones.map((z) => ({ ...z, masters: masters.filter((m) => m.zone_id === z.id), attributes: attributes.filter((a) => a.zone_id === z.id) }));
  }

  /**
   * The zone's row and records from one snapshot, as designate-mdns's AXFR reads them (records whose action
   * is not DELETE, a recordset without its own TTL taking the zone's); null when the zone is gone. With a
   * `sink`, a zone that is not a catalog is told its row and SOA before its records are read, and then its
   * lines chunk by chunk while the rest still arrive.
   */
  content(id: string, sink: ContentSink | null = null): Promise<ZoneContent | null> {
    return this.#db.snapshot(async (db: Reader) => {
      const [raw] = await db.rows<RawZone>(`SELECT ${ZONE_COLUMNS} FROM zones WHERE id = ? AND deleted = '0'`, [id]);
      if (raw === undefined) return null;
      const zone = zoneRow(raw);
      if (zone.type === 'CATALOG') return catalogContent(db, zone);
      const key = rowKey(zone);
      if (sink !== null) {
        const [soa] = await db.rows<[string]>({
          sql: "SELECT CONCAT(recordsets.name, ' ', COALESCE(recordsets.ttl, ?), ' IN SOA ', records.data) FROM recordsets JOIN records ON records.recordset_id = recordsets.id WHERE recordsets.zone_id = ? AND recordsets.type = 'SOA' AND records.action != 'DELETE'",
          rowsAsArray: true,
        }, [zone.ttl, id]);
        sink.begin(zone, key, soa?.[0] ?? null);
      }
      // Two range reads over the zone_id indexes, joined here as the rows arrive: MariaDB runs the join as
      // a lookup per recordset, five times slower on a 100,000-record zone (1.1 s against 0.2 s, measured).
      // Each recordset's owner, TTL, class and type, made the start of a master-file line by the server.
      // Rows come as byte views, never decoded: strings cost the answering thread 0.1-0.2 s more on such
      // a zone, in decoding and in the collections that copied them (measured).
      const owners = new RecordsetIndex();
      await db.each<[Uint8Array | null, Uint8Array | null]>({
        sql: "SELECT id, CONCAT(name, ' ', COALESCE(ttl, ?), ' IN ', type, ' ') FROM recordsets WHERE zone_id = ?", rowsAsArray: true, typeCast: false,
      }, [zone.ttl, id], (set) => {
        if (set[0] !== null && set[1] !== null) owners.add(set[0], set[1]);
      });
      const lines = new MasterLines(owners.size * LINE_BYTES);
      let records = 0;
      await db.each<[Uint8Array, Uint8Array | null]>({
        sql: "SELECT recordset_id, data FROM records WHERE zone_id = ? AND action != 'DELETE'", rowsAsArray: true, typeCast: false,
      }, [id], (record) => {
        const entry = owners.find(record[0]);
        if (entry < 0 || record[1] === null) return;
        lines.line(owners, entry, record[1]);
        records++;
        if (lines.lines === CHUNK_RECORDS) sink?.lines(lines.chunk());
      });
      if (lines.lines > 0) sink?.lines(lines.chunk());
      return { zone, key, text: lines.all(), records };
    });
  }

  catalogFingerprint(poolId: string): Promise<string> {
    return catalogFingerprint(this.#db, poolId);
  }
}

async function catalogContent(db: Reader, zone: ZoneRow): Promise<ZoneContent> {
  const [soa] = await db.rows<{ data: string }>(
    "SELECT records.data FROM records JOIN recordsets ON records.recordset_id = recordsets.id WHERE recordsets.zone_id = ? AND recordsets.type = 'SOA'", [zone.id],
  );
  const members = await catalogMembers(db, zone.poolId);
  const text = Buffer.from(catalogText(zone.name, zone.ttl, soa?.data ?? '', members));
  return { zone, key: `${rowKey(zone)}/${fingerprintOf(members)}`, text, records: members.length + 3 };
}
