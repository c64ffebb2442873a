// The zonecast schema as ordered, versioned migrations. One logical schema, two dialects: the SQL below is
// written once in the common subset of MariaDB/MySQL and SQLite, and `render()` swaps the few tokens where
// they differ (timestamps, blobs, auto-increment keys, table options). Tables and columns follow Designate's
// `designate/storage/sqlalchemy/tables.py` (see shared/reference/designate.md §7.2) with these deliberate
// differences: ids are 36-character UUID strings (so `zones.deleted` is CHAR(36)), `zones.serial` and record
// serials are BIGINT (RFC 1982 serials go to 4294967295), `zone_masters.host` holds any IPv6 text, enums are
// VARCHARs checked by the TypeScript types, and `zone_journal` keeps IXFR differences in the database so any
// mdns instance can answer IXFR.
//
// Rules for new migrations: append, never edit a released one; one statement per array entry; foreign keys
// as table-level `FOREIGN KEY` clauses (MySQL ignores inline `REFERENCES`); never index a TEXT column; name
// every unique constraint and list it in UNIQUE_CONSTRAINTS so both engines report the same DuplicateError.

export type Engine = 'sqlite' | 'mysql';

export interface Migration {
  readonly version: number;
  readonly description: string;
  /** Statements shared by both engines, with {TS}, {BLOB}, {AUTOID} tokens. */
  readonly statements: readonly string[];
  /** Extra statements per engine, run after the shared ones. */
  readonly only?: Partial<Record<Engine, readonly string[]>>;
}

export interface UniqueConstraint {
  readonly name: string;
  readonly table: string;
  readonly columns: readonly string[];
  /** The field a DuplicateError names. */
  readonly field: string;
}

/** Designate's default pool id (`[service:central] default_pool_id`). */
export const DEFAULT_POOL_ID = '794ccc2c-d751-44fe-b57f-8894c9f5c842';

/** Columns every Designate table carries. */
const BASE = `id CHAR(36) NOT NULL PRIMARY KEY,
  version INTEGER NOT NULL DEFAULT 1,
  created_at {TS} NOT NULL,
  updated_at {TS} NULL`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'baseline: Designate tables',
    statements: [
      `CREATE TABLE service_statuses (${BASE},
  service_name VARCHAR(255) NOT NULL,
  hostname VARCHAR(255) NOT NULL,
  heartbeated_at {TS} NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'UP',
  stats TEXT NULL,
  capabilities TEXT NULL,
  CONSTRAINT unique_service_status UNIQUE (service_name, hostname))`,

      `CREATE TABLE quotas (${BASE},
  tenant_id VARCHAR(36) NOT NULL,
  resource VARCHAR(32) NOT NULL,
  hard_limit INTEGER NOT NULL,
  CONSTRAINT unique_quota UNIQUE (tenant_id, resource))`,

      `CREATE TABLE tlds (${BASE},
  name VARCHAR(255) NOT NULL,
  description VARCHAR(160) NULL,
  CONSTRAINT unique_tld_name UNIQUE (name))`,

      `CREATE TABLE pools (${BASE},
  name VARCHAR(50) NOT NULL,
  description VARCHAR(160) NULL,
  tenant_id VARCHAR(36) NULL,
  provisioner VARCHAR(16) NOT NULL DEFAULT 'UNMANAGED',
  CONSTRAINT unique_pool_name UNIQUE (name))`,

      `CREATE TABLE pool_attributes (${BASE},
  pool_id CHAR(36) NOT NULL,
  \`key\` VARCHAR(255) NOT NULL,
  value VARCHAR(255) NOT NULL,
  CONSTRAINT unique_pool_attribute UNIQUE (pool_id, \`key\`),
  FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE)`,

      `CREATE TABLE pool_ns_records (${BASE},
  pool_id CHAR(36) NOT NULL,
  priority INTEGER NOT NULL,
  hostname VARCHAR(255) NOT NULL,
  CONSTRAINT unique_ns_name UNIQUE (pool_id, hostname),
  FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE)`,

      `CREATE TABLE tsigkeys (${BASE},
  tenant_id VARCHAR(36) NULL,
  name VARCHAR(255) NOT NULL,
  algorithm VARCHAR(32) NOT NULL,
  secret VARCHAR(255) NOT NULL,
  scope VARCHAR(16) NOT NULL DEFAULT 'POOL',
  resource_id CHAR(36) NOT NULL,
  CONSTRAINT unique_tsigkey_name UNIQUE (name))`,

      `CREATE TABLE pool_nameservers (${BASE},
  pool_id CHAR(36) NOT NULL,
  host VARCHAR(255) NOT NULL,
  port INTEGER NOT NULL,
  tsigkey_id CHAR(36) NULL,
  CONSTRAINT unique_pool_host_port UNIQUE (pool_id, host, port),
  FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE,
  FOREIGN KEY (tsigkey_id) REFERENCES tsigkeys (id) ON DELETE SET NULL)`,

      `CREATE TABLE pool_targets (${BASE},
  pool_id CHAR(36) NOT NULL,
  type VARCHAR(50) NOT NULL,
  tsigkey_id CHAR(36) NULL,
  description VARCHAR(160) NULL,
  FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE,
  FOREIGN KEY (tsigkey_id) REFERENCES tsigkeys (id) ON DELETE SET NULL)`,

      `CREATE TABLE pool_target_masters (${BASE},
  pool_target_id CHAR(36) NOT NULL,
  host VARCHAR(255) NOT NULL,
  port INTEGER NOT NULL,
  CONSTRAINT unique_pool_target_master UNIQUE (pool_target_id, host, port),
  FOREIGN KEY (pool_target_id) REFERENCES pool_targets (id) ON DELETE CASCADE)`,

      `CREATE TABLE pool_target_options (${BASE},
  pool_target_id CHAR(36) NOT NULL,
  \`key\` VARCHAR(255) NOT NULL,
  value TEXT NOT NULL,
  CONSTRAINT unique_pool_target_option UNIQUE (pool_target_id, \`key\`),
  FOREIGN KEY (pool_target_id) REFERENCES pool_targets (id) ON DELETE CASCADE)`,

      `CREATE TABLE pool_also_notifies (${BASE},
  pool_id CHAR(36) NOT NULL,
  host VARCHAR(255) NOT NULL,
  port INTEGER NOT NULL,
  CONSTRAINT unique_pool_also_notify UNIQUE (pool_id, host, port),
  FOREIGN KEY (pool_id) REFERENCES pools (id) ON DELETE CASCADE)`,

      `CREATE TABLE zones (${BASE},
  deleted CHAR(36) NOT NULL DEFAULT '0',
  deleted_at {TS} NULL,
  shard SMALLINT NOT NULL,
  tenant_id VARCHAR(36) NULL,
  name VARCHAR(255) NOT NULL,
  email VARCHAR(255) NULL,
  description VARCHAR(160) NULL,
  type VARCHAR(16) NOT NULL DEFAULT 'PRIMARY',
  transferred_at {TS} NULL,
  ttl INTEGER NOT NULL,
  serial BIGINT NOT NULL,
  refresh INTEGER NOT NULL,
  retry INTEGER NOT NULL,
  expire INTEGER NOT NULL,
  minimum INTEGER NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'PENDING',
  action VARCHAR(16) NOT NULL DEFAULT 'CREATE',
  delayed_notify TINYINT NOT NULL DEFAULT 0,
  increment_serial TINYINT NOT NULL DEFAULT 0,
  parent_zone_id CHAR(36) NULL,
  pool_id CHAR(36) NOT NULL,
  reverse_name VARCHAR(255) NOT NULL,
  CONSTRAINT unique_zone_name UNIQUE (name, deleted, pool_id),
  FOREIGN KEY (parent_zone_id) REFERENCES zones (id) ON DELETE SET NULL)`,
      'CREATE INDEX zone_deleted ON zones (deleted)',
      'CREATE INDEX zone_tenant_deleted ON zones (tenant_id, deleted)',
      'CREATE INDEX reverse_name_deleted ON zones (reverse_name, deleted)',
      'CREATE INDEX zone_delayed_notify ON zones (delayed_notify)',
      'CREATE INDEX zone_increment_serial ON zones (increment_serial)',
      'CREATE INDEX zone_status ON zones (status, tenant_id)',

      `CREATE TABLE zone_attributes (${BASE},
  zone_id CHAR(36) NOT NULL,
  \`key\` VARCHAR(255) NOT NULL,
  value VARCHAR(255) NOT NULL,
  CONSTRAINT unique_zone_attribute UNIQUE (zone_id, \`key\`),
  FOREIGN KEY (zone_id) REFERENCES zones (id) ON DELETE CASCADE)`,

      `CREATE TABLE zone_masters (${BASE},
  zone_id CHAR(36) NOT NULL,
  host VARCHAR(255) NOT NULL,
  port INTEGER NOT NULL,
  CONSTRAINT unique_masters UNIQUE (zone_id, host, port),
  FOREIGN KEY (zone_id) REFERENCES zones (id) ON DELETE CASCADE)`,

      `CREATE TABLE shared_zones (${BASE},
  zone_id CHAR(36) NOT NULL,
  project_id VARCHAR(36) NOT NULL,
  target_project_id VARCHAR(36) NOT NULL,
  CONSTRAINT unique_shared_zone UNIQUE (zone_id, target_project_id),
  FOREIGN KEY (zone_id) REFERENCES zones (id) ON DELETE CASCADE)`,

      `CREATE TABLE recordsets (${BASE},
  zone_shard SMALLINT NOT NULL,
  tenant_id VARCHAR(36) NULL,
  zone_id CHAR(36) NOT NULL,
  name VARCHAR(255) NOT NULL,
  type VARCHAR(16) NOT NULL,
  ttl INTEGER NULL,
  description VARCHAR(160) NULL,
  reverse_name VARCHAR(255) NOT NULL,
  CONSTRAINT unique_recordset UNIQUE (zone_id, name, type),
  FOREIGN KEY (zone_id) REFERENCES zones (id) ON DELETE CASCADE)`,
      'CREATE INDEX rrset_type_domainid ON recordsets (type, zone_id)',
      'CREATE INDEX recordset_type_name ON recordsets (type, name)',
      'CREATE INDEX reverse_name_dom_id ON recordsets (reverse_name, zone_id)',
      'CREATE INDEX rrset_tenant_id ON recordsets (tenant_id)',
      'CREATE INDEX rrset_updated_at ON recordsets (updated_at)',

      `CREATE TABLE records (${BASE},
  zone_shard SMALLINT NOT NULL,
  tenant_id VARCHAR(36) NULL,
  zone_id CHAR(36) NOT NULL,
  recordset_id CHAR(36) NOT NULL,
  data TEXT NOT NULL,
  description VARCHAR(160) NULL,
  hash CHAR(32) NOT NULL,
  managed TINYINT NOT NULL DEFAULT 0,
  managed_extra VARCHAR(100) NULL,
  managed_plugin_type VARCHAR(50) NULL,
  managed_plugin_name VARCHAR(50) NULL,
  managed_resource_type VARCHAR(50) NULL,
  managed_resource_region VARCHAR(100) NULL,
  managed_resource_id CHAR(36) NULL,
  managed_tenant_id VARCHAR(36) NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'ACTIVE',
  action VARCHAR(16) NOT NULL DEFAULT 'NONE',
  serial BIGINT NOT NULL DEFAULT 1,
  CONSTRAINT unique_record UNIQUE (hash),
  FOREIGN KEY (zone_id) REFERENCES zones (id) ON DELETE CASCADE,
  FOREIGN KEY (recordset_id) REFERENCES recordsets (id) ON DELETE CASCADE)`,
      // AXFR reads walk a zone in id order (keyset pages); RRset reads go by recordset.
      'CREATE INDEX records_zone_id ON records (zone_id, id)',
      'CREATE INDEX records_recordset_id ON records (recordset_id)',
      'CREATE INDEX records_tenant ON records (tenant_id)',
      'CREATE INDEX update_status_index ON records (status, zone_id, tenant_id, created_at, serial)',

      `CREATE TABLE blacklists (${BASE},
  pattern VARCHAR(255) NOT NULL,
  description VARCHAR(160) NULL,
  CONSTRAINT unique_blacklist_pattern UNIQUE (pattern))`,

      `CREATE TABLE zone_transfer_requests (${BASE},
  \`key\` VARCHAR(255) NOT NULL,
  description VARCHAR(160) NULL,
  tenant_id VARCHAR(36) NOT NULL,
  target_tenant_id VARCHAR(36) NULL,
  zone_id CHAR(36) NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'ACTIVE',
  FOREIGN KEY (zone_id) REFERENCES zones (id) ON DELETE CASCADE)`,

      `CREATE TABLE zone_transfer_accepts (${BASE},
  zone_transfer_request_id CHAR(36) NOT NULL,
  tenant_id VARCHAR(36) NOT NULL,
  zone_id CHAR(36) NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'ACTIVE',
  FOREIGN KEY (zone_transfer_request_id) REFERENCES zone_transfer_requests (id) ON DELETE CASCADE,
  FOREIGN KEY (zone_id) REFERENCES zones (id) ON DELETE CASCADE)`,

      `CREATE TABLE zone_tasks (${BASE},
  tenant_id VARCHAR(36) NULL,
  zone_id CHAR(36) NULL,
  task_type VARCHAR(16) NOT NULL,
  message VARCHAR(160) NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'ACTIVE',
  location VARCHAR(160) NULL)`,
      'CREATE INDEX zone_tasks_tenant ON zone_tasks (tenant_id, task_type)',
    ],
  },
  {
    version: 2,
    description: 'zone_journal: IXFR differences shared by every mdns instance',
    statements: [
      `CREATE TABLE zone_journal (
  id {AUTOID},
  zone_id CHAR(36) NOT NULL,
  from_serial BIGINT NOT NULL,
  to_serial BIGINT NOT NULL,
  data {BLOB} NOT NULL,
  created_at {TS} NOT NULL,
  FOREIGN KEY (zone_id) REFERENCES zones (id) ON DELETE CASCADE)`,
      'CREATE INDEX zone_journal_zone ON zone_journal (zone_id, id)',
      'CREATE INDEX zone_journal_from ON zone_journal (zone_id, from_serial)',
    ],
  },
  {
    version: 3,
    description: 'indexes for API lists: keyset pages in created_at order, zones shared with a project',
    statements: [
      // `id` is spelled out: SQLite's secondary indexes carry the rowid, not the CHAR(36) primary key.
      'CREATE INDEX rrset_zone_created ON recordsets (zone_id, created_at, id)',
      'CREATE INDEX zone_tenant_created ON zones (tenant_id, deleted, created_at, id)',
      'CREATE INDEX zone_deleted_created ON zones (deleted, created_at, id)',
      'CREATE INDEX shared_zone_target ON shared_zones (target_project_id)',
    ],
  },
  {
    version: 4,
    description: 'index for the zone_records quota: counting the unmanaged records of a zone reads no rows',
    statements: ['CREATE INDEX records_zone_managed ON records (zone_id, managed)'],
  },
  {
    version: 5,
    description: 'zone_served: the serial each mdns instance reported serving, so a zone is ACTIVE once every live one does',
    statements: [
      `CREATE TABLE zone_served (
  zone_id CHAR(36) NOT NULL,
  hostname VARCHAR(255) NOT NULL,
  serial BIGINT NOT NULL,
  served_at {TS} NOT NULL,
  PRIMARY KEY (zone_id, hostname),
  FOREIGN KEY (zone_id) REFERENCES zones (id) ON DELETE CASCADE)`,
    ],
  },
  {
    version: 6,
    description: 'zones.given_name: the name as its owner spelled it, shown as Designate shows it (name stays lower case for every comparison)',
    statements: ['ALTER TABLE zones ADD COLUMN given_name VARCHAR(255) NULL'],
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export const UNIQUE_CONSTRAINTS: readonly UniqueConstraint[] = [
  { name: 'unique_service_status', table: 'service_statuses', columns: ['service_name', 'hostname'], field: 'hostname' },
  { name: 'unique_quota', table: 'quotas', columns: ['tenant_id', 'resource'], field: 'resource' },
  { name: 'unique_tld_name', table: 'tlds', columns: ['name'], field: 'name' },
  { name: 'unique_pool_name', table: 'pools', columns: ['name'], field: 'name' },
  { name: 'unique_pool_attribute', table: 'pool_attributes', columns: ['pool_id', 'key'], field: 'key' },
  { name: 'unique_ns_name', table: 'pool_ns_records', columns: ['pool_id', 'hostname'], field: 'hostname' },
  { name: 'unique_tsigkey_name', table: 'tsigkeys', columns: ['name'], field: 'name' },
  { name: 'unique_pool_host_port', table: 'pool_nameservers', columns: ['pool_id', 'host', 'port'], field: 'host' },
  { name: 'unique_pool_target_master', table: 'pool_target_masters', columns: ['pool_target_id', 'host', 'port'], field: 'host' },
  { name: 'unique_pool_target_option', table: 'pool_target_options', columns: ['pool_target_id', 'key'], field: 'key' },
  { name: 'unique_pool_also_notify', table: 'pool_also_notifies', columns: ['pool_id', 'host', 'port'], field: 'host' },
  { name: 'unique_zone_name', table: 'zones', columns: ['name', 'deleted', 'pool_id'], field: 'name' },
  { name: 'unique_zone_attribute', table: 'zone_attributes', columns: ['zone_id', 'key'], field: 'key' },
  { name: 'unique_masters', table: 'zone_masters', columns: ['zone_id', 'host', 'port'], field: 'host' },
  { name: 'unique_shared_zone', table: 'shared_zones', columns: ['zone_id', 'target_project_id'], field: 'target_project_id' },
  { name: 'unique_recordset', table: 'recordsets', columns: ['zone_id', 'name', 'type'], field: 'name' },
  { name: 'unique_record', table: 'records', columns: ['hash'], field: 'data' },
  { name: 'unique_blacklist_pattern', table: 'blacklists', columns: ['pattern'], field: 'pattern' },
];

/** The table that records applied migrations (created outside the numbered list). */
export const MIGRATIONS_TABLE = 'zonecast_migrations';

export function migrationsTableSql(engine: Engine): string {
  return render(engine, `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
  version INTEGER NOT NULL PRIMARY KEY,
  description VARCHAR(255) NOT NULL,
  applied_at {TS} NOT NULL)`);
}

const TOKENS: Record<Engine, Record<string, string>> = {
  mysql: { TS: 'DATETIME(6)', BLOB: 'LONGBLOB', AUTOID: 'BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY' },
  sqlite: { TS: 'TEXT', BLOB: 'BLOB', AUTOID: 'INTEGER PRIMARY KEY AUTOINCREMENT' },
};

/** One statement in the engine's dialect. */
export function render(engine: Engine, sql: string): string {
  let out = sql.replace(/\{(TS|BLOB|AUTOID)\}/g, (_, token: string) => TOKENS[engine][token]);
  if (engine === 'sqlite') out = out.replace(/`/g, '"');
  // Binary collation makes comparisons (and so uniqueness) byte-exact, as on SQLite.
  else if (/^\s*CREATE TABLE/i.test(out)) out += ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';
  return out;
}

/** Every statement of one migration, rendered for an engine. */
export function migrationStatements(engine: Engine, migration: Migration): string[] {
  return [...migration.statements, ...(migration.only?.[engine] ?? [])].map((s) => render(engine, s));
}
