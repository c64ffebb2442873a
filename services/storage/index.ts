// zonecast storage: one schema, two engines (SQLite via node:sqlite, MariaDB/MySQL via mysql2).
export * from './storage.ts';
export { openStorage, dbSync, parseStorageUrl, redactUrl, type OpenOptions, type ParsedUrl } from './open.ts';
export { DEFAULT_POOL_ID, LATEST_VERSION, MIGRATIONS, UNIQUE_CONSTRAINTS, type Engine, type Migration } from './schema.ts';
export { SqliteStorage, type SqliteOptions } from './sqlite.ts';
export { MysqlStorage, type MysqlOptions } from './mysql.ts';
