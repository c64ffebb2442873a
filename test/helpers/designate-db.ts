// A Designate database for tests of `zonecast designate-mdns`: a scratch MariaDB database made from one of
// fixtures/designate-schema (a release's schema), a SELECT-only user for zonecast, and rows written as
// Designate's central writes them: 32-hex ids, deleted = '0', version bumped on every update, the SOA
// record rewritten with each new serial, record hashes md5("<recordset id dashed>:<data>").
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createConnection, type Connection } from 'mysql2/promise';
import { parseStorageUrl } from '../../services/storage/open.ts';
import { MYSQL_URL } from './mariadb.ts';

export type DesignateRelease = 'zed' | '2023.2' | '2024.1' | 'master';
export const RELEASES: readonly DesignateRelease[] = ['zed', '2023.2', '2024.1', 'master'];
export const DEFAULT_POOL = '794ccc2cd75144feb57f8894c9f5c842';

const hexId = () => randomUUID().replace(/-/g, '');
const dashed = (h: string) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
const now = () => new Date().toISOString().slice(0, 19).replace('T', ' ');

function server() {
  const parsed = parseStorageUrl(MYSQL_URL);
  if (parsed.engine !== 'mysql') throw new Error('ZONECAST_TEST_MYSQL_URL is not a MySQL URL');
  const o = parsed.options;
  return { host: o.host, port: o.port, user: o.user, password: o.password, socketPath: o.socketPath };
}

export interface Zone {
  id: string;
  name: string;
  poolId: string;
  serial: number;
  email: string;
}

export class DesignateDb {
  readonly name: string;
  readonly release: DesignateRelease;
  /** The SELECT-only account zonecast reads with, as a [storage:sqlalchemy] connection URL. */
  readonly readOnlyUrl: string;
  readonly conn: Connection;
  readonly #user: string;

  private constructor(name: string, release: DesignateRelease, conn: Connection, user: string, password: string) {
    this.name = name;
    this.release = release;
    this.conn = conn;
    this.#user = user;
    const s = server();
    this.readOnlyUrl = `mysql+pymysql://${user}:${password}@${s.host}:${s.port ?? 3306}/${name}?charset=utf8mb4`;
  }

  /** The release's schema in a new database (utf8, as Designate's install guide creates it), with the default pool. */
  static async create(release: DesignateRelease): Promise<DesignateDb> {
    const tag = randomBytes(4).toString('hex');
    const name = `zonecast_dmdns_${process.pid}_${tag}`;
    const user = `zc_ro_${tag}`;
    const password = randomBytes(9).toString('base64url');
    const conn = await createConnection({ ...server(), multipleStatements: true, dateStrings: true, connectTimeout: 3000 });
    await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8 COLLATE utf8_general_ci`);
    await conn.query(`USE \`${name}\``);
    await conn.query(readFileSync(new URL(`../../fixtures/designate-schema/${release}.sql`, import.meta.url), 'utf8'));
    for (const host of ['127.0.0.1', 'localhost']) {
      await conn.query(`CREATE USER '${user}'@'${host}' IDENTIFIED BY '${password}'`);
      await conn.query(`GRANT SELECT ON \`${name}\`.* TO '${user}'@'${host}'`);
    }
    const db = new DesignateDb(name, release, conn, user, password);
    await db.createPool(DEFAULT_POOL, 'default', ['ns1.example.org.']);
    return db;
  }

  async drop(): Promise<void> {
    for (const host of ['127.0.0.1', 'localhost']) await this.conn.query(`DROP USER IF EXISTS '${this.#user}'@'${host}'`);
    await this.conn.query(`DROP DATABASE IF EXISTS \`${this.name}\``);
    await this.conn.end();
  }

  async createPool(id: string, name: string, nsRecords: string[]): Promise<void> {
    await this.conn.query('INSERT INTO pools (id, created_at, version, name, provisioner) VALUES (?, ?, 1, ?, ?)', [id, now(), name, 'UNMANAGED']);
    for (const [i, hostname] of nsRecords.entries()) {
      await this.conn.query('INSERT INTO pool_ns_records (id, created_at, version, pool_id, priority, hostname) VALUES (?, ?, 1, ?, ?, ?)', [hexId(), now(), id, i + 1, hostname]);
    }
  }

  /** A PRIMARY zone with its SOA and NS, as central's create_zone leaves it (PENDING/CREATE). */
  async createZone(name: string, options: { poolId?: string; serial?: number; ns?: string[]; type?: string } = {}): Promise<Zone> {
    const zone: Zone = { id: hexId(), name, poolId: options.poolId ?? DEFAULT_POOL, serial: options.serial ?? 1_700_000_000, email: `hostmaster@${name.replace(/\.$/, '')}` };
    const columns: Record<string, unknown> = {
      id: zone.id, created_at: now(), version: 1, tenant_id: 'tenant-a', name, email: zone.email, ttl: 3600, refresh: 3500, retry: 600,
      expire: 86400, minimum: 3600, serial: zone.serial, deleted: '0', status: 'PENDING', action: 'CREATE', pool_id: zone.poolId,
      reverse_name: [...name].reverse().join(''), type: options.type ?? 'PRIMARY', shard: parseInt(zone.id.slice(0, 3), 16), delayed_notify: 0,
    };
    if (this.release !== 'zed') columns.increment_serial = 0;
    await this.conn.query('INSERT INTO zones SET ?', [columns]);
    await this.addRecordset(zone, name, 'SOA', [this.#soaData(zone, options.ns?.[0] ?? 'ns1.example.org.')], { bump: false });
    await this.addRecordset(zone, name, 'NS', options.ns ?? ['ns1.example.org.'], { bump: false });
    return zone;
  }

  /** A pool's catalog zone (2024.1+) as storage's _create_catalog_zone leaves it: the zone and its SOA only. */
  async createCatalogZone(name: string, poolId: string): Promise<Zone> {
    const zone: Zone = { id: hexId(), name, poolId, serial: 1, email: `hostmaster@${name.replace(/\.$/, '')}` };
    await this.conn.query('INSERT INTO zones SET ?', [{
      id: zone.id, created_at: now(), version: 1, tenant_id: null, name, email: zone.email, ttl: 3600, refresh: 3600, retry: 600,
      expire: 86400, minimum: 3600, serial: 1, deleted: '0', status: 'ACTIVE', action: 'NONE', pool_id: poolId,
      reverse_name: [...name].reverse().join(''), type: 'CATALOG', shard: parseInt(zone.id.slice(0, 3), 16), delayed_notify: 0, increment_serial: 0,
    }]);
    await this.addRecordset(zone, name, 'SOA', [`ns1.example.org. ${name} 1 3600 600 2147483646 3600`], { bump: false });
    return zone;
  }

  /** A zone marked for deletion (PENDING/DELETE): still served, no longer a catalog member. */
  async markDeleting(zone: Zone): Promise<void> {
    await this.conn.query("UPDATE zones SET action = 'DELETE', status = 'PENDING', version = version + 1 WHERE id = ?", [zone.id]);
  }

  #soaData(zone: Zone, ns = 'ns1.example.org.'): string {
    return `${ns} ${zone.email.replace('@', '.')}. ${zone.serial} 3500 600 86400 3600`;
  }

  /** A recordset and its records; `bump` (default) raises the serial as Zed's central does in the same change. */
  async addRecordset(zone: Zone, name: string, type: string, data: string[], options: { ttl?: number; bump?: boolean } = {}): Promise<string> {
    const id = hexId();
    const shard = parseInt(zone.id.slice(0, 3), 16);
    await this.conn.query('INSERT INTO recordsets SET ?', [{
      id, version: 1, created_at: now(), zone_shard: shard, tenant_id: 'tenant-a', zone_id: zone.id, name, type, ttl: options.ttl ?? null,
      reverse_name: [...name].reverse().join(''),
    }]);
    for (const d of data) await this.#addRecord(zone, id, d);
    if (options.bump !== false) await this.bumpSerial(zone);
    return id;
  }

  async #addRecord(zone: Zone, recordsetId: string, data: string): Promise<void> {
    await this.conn.query('INSERT INTO records SET ?', [{
      id: hexId(), version: 1, created_at: now(), data, zone_id: zone.id, managed: 0, hash: createHash('md5').update(`${dashed(recordsetId)}:${data}`).digest('hex'),
      status: 'PENDING', tenant_id: 'tenant-a', recordset_id: recordsetId, action: 'CREATE', serial: 1, zone_shard: parseInt(zone.id.slice(0, 3), 16),
    }]);
  }

  /**
   * `count` A records in recordsets of `perRecordset` each (r1, r1+perRecordset, ...), written in batches (a
   * benchmark's large zone); no serial change.
   */
  async addBulk(zone: Zone, count: number, perRecordset = 1): Promise<void> {
    const shard = parseInt(zone.id.slice(0, 3), 16);
    const at = now();
    let id = '';
    let name = '';
    for (let from = 1; from <= count; from += 5000) {
      const sets: unknown[][] = [];
      const records: unknown[][] = [];
      for (let i = from; i < Math.min(from + 5000, count + 1); i++) {
        if ((i - 1) % perRecordset === 0) {
          id = hexId();
          name = `r${i}.${zone.name}`;
          sets.push([id, 1, at, shard, 'tenant-a', zone.id, name, 'A', null, [...name].reverse().join('')]);
        }
        const data = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
        records.push([hexId(), 1, at, data, zone.id, 0, createHash('md5').update(`${dashed(id)}:${data}`).digest('hex'), 'ACTIVE', 'tenant-a', id, 'NONE', 1, shard]);
      }
      if (sets.length > 0) await this.conn.query('INSERT INTO recordsets (id, version, created_at, zone_shard, tenant_id, zone_id, name, type, ttl, reverse_name) VALUES ?', [sets]);
      await this.conn.query('INSERT INTO records (id, version, created_at, data, zone_id, managed, hash, status, tenant_id, recordset_id, action, serial, zone_shard) VALUES ?', [records]);
    }
  }

  /** Deletes a recordset as central does (hard delete), raising the serial. */
  async deleteRecordset(zone: Zone, recordsetId: string): Promise<void> {
    await this.conn.query('DELETE FROM records WHERE recordset_id = ?', [recordsetId]);
    await this.conn.query('DELETE FROM recordsets WHERE id = ?', [recordsetId]);
    await this.bumpSerial(zone);
  }

  /** A new serial in the zone row and its SOA record, version + 1: one change committed. */
  async bumpSerial(zone: Zone, serial = zone.serial + 1): Promise<void> {
    zone.serial = serial;
    await this.conn.query("UPDATE zones SET serial = ?, version = version + 1, action = 'UPDATE', status = 'PENDING' WHERE id = ?", [serial, zone.id]);
    const data = this.#soaData(zone);
    await this.conn.query(
      "UPDATE records JOIN recordsets ON records.recordset_id = recordsets.id SET records.data = ?, records.hash = MD5(CONCAT(INSERT(INSERT(INSERT(INSERT(recordsets.id, 21, 0, '-'), 17, 0, '-'), 13, 0, '-'), 9, 0, '-'), ':', ?)) " +
        "WHERE recordsets.zone_id = ? AND recordsets.type = 'SOA'",
      [data, data, zone.id],
    );
  }

  /** What the worker's update_status does once targets serve it: version + 1, nothing served changes. */
  async markActive(zone: Zone): Promise<void> {
    await this.conn.query("UPDATE zones SET status = 'ACTIVE', action = 'NONE', version = version + 1 WHERE id = ?", [zone.id]);
  }

  /** The soft delete that follows the worker's confirmation: deleted = the id. */
  async deleteZone(zone: Zone): Promise<void> {
    await this.conn.query('UPDATE zones SET deleted = id, deleted_at = ?, version = version + 1 WHERE id = ?', [now(), zone.id]);
  }

  async createTsigKey(name: string, secret: string, scope: 'POOL' | 'ZONE', resourceId: string, algorithm = 'hmac-sha256'): Promise<string> {
    const id = hexId();
    await this.conn.query('INSERT INTO tsigkeys SET ?', [{ id, version: 1, created_at: now(), name, algorithm, secret, scope, resource_id: resourceId }]);
    return id;
  }
}
