// What the Designate schema at hand holds, learnt from information_schema at start (Zed 15.x through
// master), so that one binary reads every release: which record and zone types the enums allow, whether
// zones carry increment_serial (2023.2+) and CATALOG (2024.1+), whether shared_zones exists (2023.1+) and
// whether service_statuses knows STOPPED (master). A schema missing what designate-mdns itself reads is
// refused at start, naming what is missing, rather than failing on the first question.
import type { Reader } from './database.ts';

/** Columns designate-mdns reads: without any of them this is not a Designate database it can serve. */
const REQUIRED: Record<string, readonly string[]> = {
  zones: ['id', 'version', 'deleted', 'name', 'type', 'ttl', 'serial', 'pool_id', 'action', 'created_at', 'email', 'refresh', 'retry', 'expire', 'minimum', 'status', 'tenant_id'],
  recordsets: ['id', 'zone_id', 'name', 'type', 'ttl'],
  records: ['recordset_id', 'data', 'action'],
  tsigkeys: ['name', 'algorithm', 'secret', 'scope', 'resource_id'],
  zone_masters: ['zone_id', 'host', 'port'],
  zone_attributes: ['zone_id', 'key', 'value'],
  pools: ['id', 'name'],
  pool_ns_records: ['pool_id', 'priority', 'hostname'],
};

export interface DesignateSchema {
  /** alembic_version's head, for the start-up log ('' when the table is unreadable). */
  alembicVersion: string;
  /** recordsets.type's enum: HTTPS and SVCB since 2025.2, TLSA on master. */
  recordTypes: ReadonlySet<string>;
  /** zones.type's enum: CATALOG since 2024.1. */
  zoneTypes: ReadonlySet<string>;
  /** zones.increment_serial (2023.2+): records may change before the serial does. */
  incrementSerial: boolean;
  /** shared_zones (2023.1+). */
  sharedZones: boolean;
  /** service_statuses.status allows STOPPED (master): the heartbeat may say so on shutdown. */
  stoppedStatus: boolean;
  /** zones.id is CHAR(32): ids are 32 lower-case hex digits without dashes (Designate's MySQL UUID type). */
  hexIds: boolean;
}

export class SchemaError extends Error {
  override name = 'SchemaError';
}

interface ColumnRow {
  table: string;
  column: string;
  type: string;
}

/** The items of an ENUM('a','b') column type. */
export function enumItems(columnType: string): string[] {
  const m = /^enum\((.*)\)$/i.exec(columnType.trim());
  if (m === null) return [];
  return [...m[1].matchAll(/'((?:[^']|'')*)'/g)].map((x) => x[1].replace(/''/g, "'"));
}

export async function readSchema(db: Reader, database: string): Promise<DesignateSchema> {
  const rows = await db.rows<ColumnRow>(
    'SELECT TABLE_NAME AS `table`, COLUMN_NAME AS `column`, COLUMN_TYPE AS `type` FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?',
    [database],
  );
  const columns = new Map<string, Map<string, string>>();
  for (const { table, column, type } of rows) {
    const t = columns.get(table.toLowerCase()) ?? new Map<string, string>();
    t.set(column.toLowerCase(), String(type));
    columns.set(table.toLowerCase(), t);
  }
  const missing: string[] = [];
  for (const [table, needed] of Object.entries(REQUIRED)) {
    const have = columns.get(table);
    if (have === undefined) missing.push(`table ${table}`);
    else for (const column of needed) if (!have.has(column)) missing.push(`${table}.${column}`);
  }
  if (missing.length > 0) {
    const what = columns.size === 0 ? 'no tables at all (or no SELECT on them)' : missing.join(', ');
    throw new SchemaError(`database ${database} is not a Designate schema this command can read: missing ${what}`);
  }
  const type = (table: string, column: string) => columns.get(table)?.get(column) ?? '';
  let alembicVersion = '';
  if (columns.has('alembic_version')) {
    const [head] = await db.rows<{ version_num: string }>('SELECT version_num FROM alembic_version');
    alembicVersion = head?.version_num ?? '';
  }
  return {
    alembicVersion,
    recordTypes: new Set(enumItems(type('recordsets', 'type'))),
    zoneTypes: new Set(enumItems(type('zones', 'type'))),
    incrementSerial: columns.get('zones')!.has('increment_serial'),
    sharedZones: columns.has('shared_zones'),
    stoppedStatus: enumItems(type('service_statuses', 'status')).includes('STOPPED'),
    hexIds: /^char\(32\)$/i.test(type('zones', 'id')),
  };
}

/** An id as the database holds it (32 hex digits) from any spelling (dashed, upper case). */
export function storedId(id: string): string {
  return id.replace(/-/g, '').toLowerCase();
}
