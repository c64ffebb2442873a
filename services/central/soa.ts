// The managed apex records central keeps in every primary zone, as Designate does: the SOA (whose serial
// moves with every change) and the NS RRset from the pool's ns_records.
import type { Pool, Zone } from '../storage/storage.ts';
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
