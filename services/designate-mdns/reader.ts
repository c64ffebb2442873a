// The statements `zonecast designate-mdns` sends, all reads: the freshness check of a question's zone (one
// indexed statement, shared by the questions of one round), a zone's records for a rebuild (one consistent
// snapshot), TSIG keys by name, and the SECONDARY zones a NOTIFY names. Names compare case-insensitively,
// as Designate's utf8_general_ci columns compare them; only live zones count (deleted = '0').
import type { ZoneAttributeRow, ZoneMasterRow, ZoneRow as FullZoneRow } from '../messaging/oslo-codec.ts';
import type { DesignateDatabase, Reader } from './database.ts';
import { catalogFingerprint, catalogMembers, catalogText, fingerprintOf } from './catalog.ts';
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
  /** Master-file text of every record (the SOA as stored), one per line. */
  text: string;
  records: number;
}

/** Told of a zone's content while it is read: the row and SOA first, then whole master-file lines. */
export interface ContentSink {
  /** `soa` is the SOA as a master-file line, or null when the zone has none stored. */
  begin(zone: ZoneRow, key: string, soa: string | null): void;
  lines(text: string): void;
}

/** Records a chunk of lines holds: a 64 KB AXFR message takes about 1,800 A records. */
const CHUNK_RECORDS = 1000;

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
      // Two range reads over the zone_id indexes, joined here: MariaDB runs the join as a lookup per
      // recordset, five times slower on a 100,000-record zone (1.1 s against 0.2 s, measured). Each
      // recordset's owner, TTL, class and type as the start of a master-file line, made by the server, in id
      // order, which the zone_id index holds at no cost (on a zone that is most of the table MariaDB reads the
      // primary key in order instead of scanning the table: 0.04-0.09 s against 0.06-0.11 s, measured).
      const sets = await db.rows<[string, string]>({
        sql: "SELECT id, CONCAT(name, ' ', COALESCE(ttl, ?), ' IN ', type, ' ') FROM recordsets WHERE zone_id = ? ORDER BY id", rowsAsArray: true,
      }, [zone.ttl, id]);
      const owners = new Map(sets);
      const chunks: string[] = [];
      let lines: string[] = [];
      let records = 0;
      const flush = () => {
        const chunk = lines.join('');
        lines = [];
        chunks.push(chunk);
        sink?.lines(chunk);
      };
      await db.each<[string, string]>({ sql: "SELECT recordset_id, data FROM records WHERE zone_id = ? AND action != 'DELETE'", rowsAsArray: true }, [id], ([setId, data]) => {
        const owner = owners.get(setId);
        if (owner === undefined) return;
        lines.push(owner, data, '\n');
        if (++records % CHUNK_RECORDS === 0) flush();
      });
      if (lines.length > 0) flush();
      return { zone, key, text: chunks.join(''), records };
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
  const text = catalogText(zone.name, zone.ttl, soa?.data ?? '', members);
  return { zone, key: `${rowKey(zone)}/${fingerprintOf(members)}`, text, records: members.length + 3 };
}
