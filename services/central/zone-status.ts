// A zone's status from what the serving side reports (designate.md §2.6). Two sources, by pool:
// - a pool without targets is served by mdns alone: a zone is ACTIVE once every live mdns instance serves its
//   serial ('zone.served'), ERROR when mdns cannot compile it ('zone.failed');
// - a pool with targets is served by real nameservers: only the worker's update_status moves the zone
//   (SUCCESS → ACTIVE, or DELETED for a delete; ERROR / NO_ZONE → ERROR), as Designate's central does.
import { serialNewer } from '../../engine/xfr/serial.ts';
import type { ZoneStatusReport } from '../messaging/bus.ts';
import { NotFoundError, type Tx, type Zone } from '../storage/storage.ts';
import type { CentralDeps } from './context.ts';
import type { Zones } from './zones.ts';

export class ZoneStatuses {
  readonly #deps: CentralDeps;
  readonly #zones: Zones;

  constructor(deps: CentralDeps, zones: Zones) {
    this.#deps = deps;
    this.#zones = zones;
  }

  /**
   * mdns instance `host` serves `serial`: in a pool without targets a zone that waited for it becomes ACTIVE,
   * and so do its records, once every live mdns instance (UP in service statuses) has reported that serial
   * or a newer one. An instance that died stops counting when it turns DOWN, and the others' periodic
   * reports of zones still PENDING then complete the change.
   */
  async served(zoneId: string, serial: number, host?: string): Promise<void> {
    const pushed = await this.#deps.storage.transaction(async (tx) => {
      const zone = await lockedZone(tx, zoneId);
      if (zone === null) return null;
      const viaWorker = await tx.poolHasTargets(zone.poolId);
      if (zone.type === 'SECONDARY') {
        // Its serial is whatever its masters serve: Designate records the one transferred, and when
        // (transferred_at, which the producer's periodic_secondary_refresh goes by). In a pool with targets
        // the new version must still reach them: the worker carries it and reports.
        const transferredAt = new Date();
        if (zone.serial === serial && (zone.status === 'ACTIVE' || viaWorker)) {
          await tx.updateZone(zone.id, { transferredAt });
          return null;
        }
        return tx.updateZone(zone.id, viaWorker ? { serial, transferredAt, status: 'PENDING', action: 'UPDATE' } : { serial, transferredAt, status: 'ACTIVE', action: 'NONE' })
          .then((z) => (viaWorker ? z : null));
      }
      if (host !== undefined) await tx.recordZoneServed(zone.id, host, serial);
      if (viaWorker) return null;
      // A newer change is still on its way, or one waits for its batched serial.
      if (serialNewer(zone.serial, serial) || zone.incrementSerial) return null;
      if (host !== undefined && !(await servedByEveryMdns(tx, zone))) return null;
      await tx.markRecordsServed(zone.id, serial);
      if (zone.status !== 'ACTIVE' || zone.action !== 'NONE') await tx.updateZone(zone.id, { status: 'ACTIVE', action: 'NONE' });
      return null;
    });
    if (pushed) await this.#zones.pushToWorker(pushed, 'UPDATE');
  }

  /** mdns could not serve the stored version: the zone shows ERROR until a later change serves. */
  async failed(zoneId: string, serial: number | null, reason: string): Promise<void> {
    const zone = await this.#deps.storage.transaction(async (tx) => {
      const zone = await lockedZone(tx, zoneId);
      // A report about an older version than the stored one is moot: the newer one is on its way.
      if (zone === null || (serial !== null && serialNewer(zone.serial, serial))) return null;
      return tx.updateZone(zone.id, { status: 'ERROR' });
    });
    if (zone) this.#deps.log.error({ zone: zone.name, zone_id: zone.id, serial, reason }, 'zone in ERROR: mdns could not serve it');
  }

  /** The worker's report on a change it carried to the zone's pool (Designate's update_status). */
  async update(report: ZoneStatusReport): Promise<void> {
    const { log } = this.#deps;
    const deleted = await this.#deps.storage.transaction(async (tx) => {
      const zone = await lockedZone(tx, report.zoneId);
      if (zone === null) return null;
      // A report on a delete says nothing about a live zone, nor a create's or update's about a deleting one.
      if ((report.action === 'DELETE') !== (zone.action === 'DELETE')) return null;
      if (report.action === 'DELETE') {
        if (report.status === 'ERROR') {
          await tx.updateZone(zone.id, { status: 'ERROR' });
          return null;
        }
        return tx.softDeleteZone(zone.id); // SUCCESS or NO_ZONE: the nameservers no longer serve it
      }
      if (report.status === 'SUCCESS') {
        await tx.markRecordsServed(zone.id, report.serial);
        if (serialNewer(zone.serial, report.serial) || zone.incrementSerial) return null; // a newer change is on its way
        if (zone.status !== 'ACTIVE' || zone.action !== 'NONE') await tx.updateZone(zone.id, { status: 'ACTIVE', action: 'NONE' });
        return null;
      }
      if (serialNewer(zone.serial, report.serial)) return null;
      // NO_ZONE: the nameservers lack the zone altogether; recovery creates it again.
      await tx.updateZone(zone.id, { status: 'ERROR', ...(report.status === 'NO_ZONE' ? { action: 'CREATE' as const } : {}) });
      log.error({ zone: zone.name, zone_id: zone.id, serial: report.serial, action: report.action, status: report.status },
        'zone in ERROR: the worker could not make the pool serve it (its log names the targets and nameservers)');
      return null;
    });
    if (deleted) {
      log.info({ zone: deleted.name, zone_id: deleted.id }, 'zone deleted from its pool');
      await this.#zones.publishChanged(deleted, 'DELETE');
    }
  }
}

async function lockedZone(tx: Tx, zoneId: string): Promise<Zone | null> {
  return tx.getZone(zoneId, { forUpdate: true }).catch((err: unknown) => {
    if (err instanceof NotFoundError) return null; // deleted meanwhile
    throw err;
  });
}

async function servedByEveryMdns(tx: Tx, zone: Zone): Promise<boolean> {
  const live = (await tx.findServiceStatuses()).filter((s) => s.serviceName === 'mdns' && s.status === 'UP');
  const served = await tx.zoneServedBy(zone.id);
  return live.every((s) => {
    const at = served.get(s.hostname);
    return at !== undefined && !serialNewer(zone.serial, at);
  });
}
