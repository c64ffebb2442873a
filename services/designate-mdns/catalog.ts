// Catalog zones (Designate 2024.1+, RFC 9432) as designate-mdns generates them: the catalog zone's stored
// SOA, NS `invalid.`, `version` TXT "2", and a PTR `<zone id dashed>.zones.<catalog>` naming each zone of the
// pool that is not itself a catalog and not being deleted, in the order Designate lists zones (created_at,
// id); every record with the catalog zone's TTL. Nothing but the SOA is stored: the members are read when
// the catalog is built, and a fingerprint of them (count, XOR of CRC32(id + action)) tells a question whether
// the version compiled still lists the pool as it is, since a zone moving pools changes no catalog row.
import { crc32 } from 'node:zlib';
import type { Reader } from './database.ts';
import { dashedUuid } from '../messaging/oslo-codec.ts';

export interface CatalogMember {
  id: string;
  name: string;
  action: string;
}

const MEMBERS = "FROM zones WHERE pool_id = ? AND type != 'CATALOG' AND deleted = '0'";

/** The pool's member zones as the database holds them now: one statement, no rows sent back. */
export async function catalogFingerprint(db: Reader, poolId: string): Promise<string> {
  const [row] = await db.rows<{ n: number | string; x: number | string }>(
    `SELECT COUNT(*) AS n, COALESCE(BIT_XOR(CRC32(CONCAT(id, action))), 0) AS x ${MEMBERS}`, [poolId],
  );
  return `${Number(row?.n ?? 0)}:${String(row?.x ?? 0)}`;
}

export async function catalogMembers(db: Reader, poolId: string): Promise<CatalogMember[]> {
  return db.rows<CatalogMember>(`SELECT id, name, action ${MEMBERS} ORDER BY created_at, id`, [poolId]);
}

/** What catalogFingerprint gives for these members. */
export function fingerprintOf(members: readonly CatalogMember[]): string {
  let x = 0;
  for (const m of members) x = (x ^ crc32(`${m.id}${m.action}`)) >>> 0;
  return `${members.length}:${x}`;
}

/** The catalog's records as master-file text, the SOA first. */
export function catalogText(name: string, ttl: number, soa: string, members: readonly CatalogMember[]): string {
  let text = `${name} ${ttl} IN SOA ${soa}\n${name} ${ttl} IN NS invalid.\nversion.${name} ${ttl} IN TXT "2"\n`;
  for (const m of members) if (m.action !== 'DELETE') text += `${dashedUuid(m.id)}.zones.${name} ${ttl} IN PTR ${m.name}\n`;
  return text;
}
