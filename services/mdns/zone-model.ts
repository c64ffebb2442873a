// What mdns keeps of a stored zone besides its compiled image: the recordsets by id at one serial, so that a
// change to some of them (read from storage, or carried by the announcement itself) updates this model and
// is patched onto the image (engine/snapshot/patch.ts) instead of reading and compiling the zone whole.
// A zone served from its image (a restart, the fleet cache) knows no recordsets: its model has the serial,
// name and TTL only, and announcements that name every RRset they replace patch it just the same.
import type { ExportRecordSet } from '../../engine/zonefile/writer.ts';
import type { ZoneChanged } from '../messaging/bus.ts';

export interface ZoneModel {
  serial: number;
  /** The zone's name as stored. */
  name: string;
  /** The zone's default TTL at that serial (a change of it is never a delta: the zone is read whole). */
  ttl: number;
  /** Null when the zone came from its image and its recordsets were never read. */
  recordsets: Map<string, ExportRecordSet> | null;
}

export interface RecordsetChange {
  from: number;
  /** The recordsets changed, as they are now (the SOA among them); deleted ones are not listed. */
  recordsets: ExportRecordSet[];
  /** The RRsets those changes replace, deleted ones included. */
  replaced: { name: string; type: string }[];
}

/**
 * Moves the model to `serial` with the new content of some recordsets (no records: deleted; null: deleted,
 * known only by id) and returns the change. Null when the model has no recordsets to find a deleted one's
 * name in: then only a whole read tells what the change replaced.
 */
export function applyChange(model: ZoneModel, changed: Iterable<[string, ExportRecordSet | null]>, serial: number): RecordsetChange | null {
  const entries = [...changed];
  if (model.recordsets === null && entries.some(([, rs]) => rs === null)) return null;
  const change: RecordsetChange = { from: model.serial, recordsets: [], replaced: [] };
  const replaced = new Set<string>();
  const replace = (rs: ExportRecordSet) => {
    const key = `${rs.name} ${rs.type}`;
    if (replaced.has(key)) return;
    replaced.add(key);
    change.replaced.push({ name: rs.name, type: rs.type });
  };
  for (const [id, rs] of entries) {
    const before = model.recordsets?.get(id);
    if (before !== undefined) replace(before);
    if (rs === null || rs.records.length === 0) {
      if (rs !== null) replace(rs);
      model.recordsets?.delete(id);
      continue;
    }
    model.recordsets?.set(id, rs);
    replace(rs);
    change.recordsets.push(rs);
  }
  model.serial = serial;
  return change;
}

/**
 * How many of the pending announcements chain from the model's serial, one after the other, and the serial
 * they lead to: the changes a delta can apply.
 */
export function chainFrom(model: ZoneModel, pending: readonly ZoneChanged[]): { used: number; serial: number } {
  let serial = model.serial;
  let used = 0;
  for (const change of pending) {
    if (change.delta?.previousSerial !== serial) break;
    serial = change.serial;
    used++;
  }
  return { used, serial };
}
