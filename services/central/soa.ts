// The managed apex records central keeps in every primary zone, as Designate does: the SOA (whose serial
// moves with every change) and the NS RRset from the pool's ns_records.
import { nextSerial } from '../../engine/xfr/serial.ts';
import type { Pool, Tx, Zone, ZoneUpdate } from '../storage/storage.ts';
import { Refuse } from './errors.ts';

/** An SOA RNAME from an email address: '@' becomes a dot and dots of the local part are escaped. */
export function rnameOf(email: string): string {
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at).replace(/\./g, '\\.');
  const domain = email.slice(at + 1);
  return `${local}.${domain}${domain.endsWith('.') ? '' : '.'}`;
}

/** The pool's NS hostnames by priority; a pool without any cannot host zones. */
export function poolNameservers(pool: Pick<Pool, 'nsRecords'>): string[] {
  if (pool.nsRecords.length === 0) throw Refuse.noServersConfigured();
  return [...pool.nsRecords].sort((a, b) => a.priority - b.priority).map((ns) => ns.hostname);
}

export function soaData(zone: Pick<Zone, 'email' | 'serial' | 'refresh' | 'retry' | 'expire' | 'minimum'>, primaryNs: string, fallbackEmail: string): string {
  return `${primaryNs} ${rnameOf(zone.email ?? fallbackEmail)} ${zone.serial} ${zone.refresh} ${zone.retry} ${zone.expire} ${zone.minimum}`;
}

/**
 * Gives a zone its next serial (RFC 1982: newer than the last, even after an imported date-style serial)
 * and, for a primary zone, the SOA record that says so, with the pool's first NS as MNAME. Call inside the
 * change's transaction, after locking the zone row.
 */
export async function bumpSerial(tx: Tx, zone: Zone, patch: ZoneUpdate, nowSeconds: number, fallbackEmail: string): Promise<Zone> {
  const serial = nextSerial(zone.serial, nowSeconds);
  const updated = await tx.updateZone(zone.id, { ...patch, serial });
  if (zone.type === 'PRIMARY') {
    const soa = await tx.getRecordsetByName(zone.id, zone.name, 'SOA');
    const primaryNs = poolNameservers({ nsRecords: await tx.poolNsRecords(zone.poolId) })[0];
    await tx.replaceRecords(soa.id, [{ data: soaData(updated, primaryNs, fallbackEmail), managed: true, serial, status: 'PENDING', action: 'UPDATE' }]);
  }
  return updated;
}

/** Makes a primary zone's apex NS RRset the pool's ns_records (Designate's _add_ns/_delete_ns, all at once). */
export async function rewriteApexNs(tx: Tx, zone: Zone, pool: Pick<Pool, 'nsRecords'>, serial: number): Promise<void> {
  const records = poolNameservers(pool).map((data) => ({ data, managed: true, serial, status: 'PENDING' as const, action: 'UPDATE' as const }));
  const ns = await tx.getRecordsetByName(zone.id, zone.name, 'NS');
  await tx.replaceRecords(ns.id, records);
}
