// Records a plugin manages for an outside resource (Designate's managed records: the sink's A/AAAA records
// of Nova instances and Neutron floating IPs), written with an admin caller as Designate's sink does. They are added to and removed from recordsets through the
// same transaction, serial and announcement as API writes; quotas do not count them, as in Designate
// (zone_records counts unmanaged records). Adding what exists and removing what is gone are no-ops, so a
// notification delivered twice, or a delete before its create, is harmless.
import { NotFoundError, type RecordInput, type Tx, type Zone } from '../storage/storage.ts';
import { requireAdmin, type Caller, type CentralDeps } from './context.ts';
import { recordsetPayload } from './event-payloads.ts';
import { detail, type RecordsetDetail } from './recordsets.ts';
import type { Zones } from './zones.ts';

/** What one managed-record change did to a recordset, for its notification (Designate's sink writes through create/update/delete_recordset, which notify). */
interface RecordsetEvent {
  type: 'dns.recordset.create' | 'dns.recordset.update' | 'dns.recordset.delete';
  id: string;
  /** A deleted recordset as it was, read before the delete. */
  gone?: RecordsetDetail;
}

export interface ManagedRecord {
  /** Absolute owner name, lower case. */
  name: string;
  type: 'A' | 'AAAA';
  data: string;
  /** managed_plugin_type / _name: e.g. handler / nova_fixed. */
  pluginType: string;
  pluginName: string;
  /** managed_resource_type / _id: e.g. instance / the instance's id. */
  resourceType: string;
  resourceId: string;
  tenantId: string | null;
}

export class ManagedRecords {
  readonly #deps: CentralDeps;
  readonly #zones: Zones;

  constructor(deps: CentralDeps, zones: Zones) {
    this.#deps = deps;
    this.#zones = zones;
  }

  /** Adds the records (each to the recordset of its name and type, made when missing); returns how many were new. */
  add(caller: Caller, zoneId: string, records: ManagedRecord[]): Promise<number> {
    requireAdmin(caller);
    return this.#change(zoneId, async (tx, zone, serial) => {
      const events: RecordsetEvent[] = [];
      for (const r of records) {
        const input: RecordInput = {
          data: r.data, managed: true, managedPluginType: r.pluginType, managedPluginName: r.pluginName,
          managedResourceType: r.resourceType, managedResourceId: r.resourceId, managedTenantId: r.tenantId,
          serial, status: 'PENDING', action: 'CREATE',
        };
        const existing = await tx.getRecordsetByName(zone.id, r.name, r.type).catch((err: unknown) => {
          if (err instanceof NotFoundError) return null;
          throw err;
        });
        if (existing === null) {
          const created = await tx.createRecordset({ zoneId: zone.id, name: r.name, type: r.type, ttl: null, tenantId: zone.tenantId, records: [input] });
          events.push({ type: 'dns.recordset.create', id: created.id });
          continue;
        }
        const current = await tx.listRecords(existing.id);
        if (current.some((c) => c.data === r.data)) continue;
        await tx.replaceRecords(existing.id, [...current.map((c) => ({ data: c.data })), input]);
        if (!events.some((e) => e.id === existing.id)) events.push({ type: 'dns.recordset.update', id: existing.id });
      }
      return { events, count: events.length };
    });
  }

  /** Removes every record of the zone managed for this resource (a recordset left empty goes); returns how many. */
  remove(caller: Caller, zoneId: string, resourceType: string, resourceId: string): Promise<number> {
    requireAdmin(caller);
    return this.#change(zoneId, async (tx, zone) => {
      const gone = await tx.findManagedRecords(zone.id, resourceType, resourceId);
      const events: RecordsetEvent[] = [];
      for (const id of new Set(gone.map((r) => r.recordsetId))) {
        const records = await tx.listRecords(id);
        const kept = records.filter((r) => !gone.some((g) => g.id === r.id));
        if (kept.length > 0) {
          await tx.replaceRecords(id, kept.map((r) => ({ data: r.data })));
          events.push({ type: 'dns.recordset.update', id });
          continue;
        }
        const deleting = records.map((r) => ({ ...r, status: 'PENDING' as const, action: 'DELETE' as const }));
        events.push({ type: 'dns.recordset.delete', id, gone: detail(await tx.getRecordset(id), deleting, zone.name) });
        await tx.deleteRecordset(id);
      }
      return { events, count: gone.length };
    });
  }

  /**
   * One change to the zone's managed records: `body` writes it (records carry `serial`) and says which
   * recordsets it created, changed or deleted. Nothing touched rolls back: no serial is spent and nothing is
   * announced. Committed, the change is announced and notified (dns.recordset.*) as API writes are.
   */
  async #change(zoneId: string, body: (tx: Tx, zone: Zone, serial: number) => Promise<{ events: RecordsetEvent[]; count: number }>): Promise<number> {
    const done = await this.#deps.storage.transaction(async (tx) => {
      const zone = await tx.getZone(zoneId, { forUpdate: true });
      const next = await this.#zones.commitChange(tx, zone);
      const { events, count } = await body(tx, zone, this.#zones.recordSerial(next));
      if (events.length === 0) throw new NothingToDo();
      const notified: [string, RecordsetDetail][] = [];
      for (const e of events) {
        notified.push([e.type, e.gone ?? detail(await tx.getRecordset(e.id), await tx.listRecords(e.id), zone.name)]);
      }
      const gone = events.flatMap((e) => (e.gone ? [e.gone.recordset] : []));
      return { next, delta: await this.#zones.delta(tx, next, zone.serial, events.map((e) => e.id), gone), count, notified };
    }).catch((err: unknown) => {
      if (err instanceof NothingToDo) return null;
      throw err;
    });
    if (done === null) return 0;
    await this.#zones.announce(done.next, 'UPDATE', done.delta);
    for (const [type, d] of done.notified) this.#deps.notifier?.info(type, recordsetPayload(d));
    return done.count;
  }
}

/** Rolls back a transaction that found nothing to change, so that no serial is spent on it. */
class NothingToDo extends Error {}
