// Records a plugin manages for an outside resource (Designate's managed records: the sink's A/AAAA records
// of Nova instances and Neutron floating IPs), written with an admin caller as Designate's sink does. They are added to and removed from recordsets through the
// same transaction, serial and announcement as API writes; quotas do not count them, as in Designate
// (zone_records counts unmanaged records). Adding what exists and removing what is gone are no-ops, so a
// notification delivered twice, or a delete before its create, is harmless.
import { NotFoundError, type RecordInput, type Tx, type Zone } from '../storage/storage.ts';
import { requireAdmin, type Caller, type CentralDeps } from './context.ts';
import type { Zones } from './zones.ts';

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
      const touched: string[] = [];
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
          touched.push((await tx.createRecordset({ zoneId: zone.id, name: r.name, type: r.type, ttl: null, tenantId: zone.tenantId, records: [input] })).id);
          continue;
        }
        const current = await tx.listRecords(existing.id);
        if (current.some((c) => c.data === r.data)) continue;
        await tx.replaceRecords(existing.id, [...current.map((c) => ({ data: c.data })), input]);
        touched.push(existing.id);
      }
      return { recordsetIds: touched, count: touched.length };
    });
  }

  /** Removes every record of the zone managed for this resource (a recordset left empty goes); returns how many. */
  remove(caller: Caller, zoneId: string, resourceType: string, resourceId: string): Promise<number> {
    requireAdmin(caller);
    return this.#change(zoneId, async (tx, zone) => {
      const gone = await tx.findManagedRecords(zone.id, resourceType, resourceId);
      const recordsetIds = [...new Set(gone.map((r) => r.recordsetId))];
      for (const id of recordsetIds) {
        const kept = (await tx.listRecords(id)).filter((r) => !gone.some((g) => g.id === r.id));
        if (kept.length === 0) await tx.deleteRecordset(id);
        else await tx.replaceRecords(id, kept.map((r) => ({ data: r.data })));
      }
      return { recordsetIds, count: gone.length };
    });
  }

  /**
   * One change to the zone's managed records: `body` writes it (records carry `serial`) and says which
   * recordsets it touched. Nothing touched rolls back: no serial is spent and nothing is announced.
   */
  async #change(zoneId: string, body: (tx: Tx, zone: Zone, serial: number) => Promise<{ recordsetIds: string[]; count: number }>): Promise<number> {
    const done = await this.#deps.storage.transaction(async (tx) => {
      const zone = await tx.getZone(zoneId, { forUpdate: true });
      const next = await this.#zones.commitChange(tx, zone);
      const { recordsetIds, count } = await body(tx, zone, this.#zones.recordSerial(next));
      if (recordsetIds.length === 0) throw new NothingToDo();
      return { next, delta: await this.#zones.delta(tx, next, zone.serial, recordsetIds), count };
    }).catch((err: unknown) => {
      if (err instanceof NothingToDo) return null;
      throw err;
    });
    if (done === null) return 0;
    await this.#zones.announce(done.next, 'UPDATE', done.delta);
    return done.count;
  }
}

/** Rolls back a transaction that found nothing to change, so that no serial is spent on it. */
class NothingToDo extends Error {}
