// Zone exports (designate.md §4.7): the owner asks for an export, which in zonecast's embedded mode is
// complete at once; its text is rendered from the zone's recordsets whenever it is fetched, at
// designate://v2/zones/tasks/exports/{id}/export.
import type { ListQuery, RecordSet, ZoneTask } from '../storage/storage.ts';
import { ownedZone, readableZone, requireProject, type Caller, type CentralDeps } from './context.ts';
import { Refuse } from './errors.ts';
import { listTasks, ownTask } from './imports.ts';
import { enforceQuota } from './quotas.ts';
import { refuseCatalog } from './shares.ts';
import { shownName } from './zones.ts';
import { exportZone, type ExportRecordSet } from '../../engine/zonefile/writer.ts';

/** Where Designate's own storage driver says the export is: the API path of its text, as a designate:// URL. */
export const exportLocation = (taskId: string): string => `designate://v2/zones/tasks/exports/${taskId}/export`;

/** Recordsets are read in pages of this many. */
const PAGE = 1000;

export class Exports {
  readonly #deps: CentralDeps;

  constructor(deps: CentralDeps) {
    this.#deps = deps;
  }

  /**
   * POST /v2/zones/{zone_id}/tasks/export: the owner's; over the api_export_size quota (recordsets) it is 413.
   * The export is COMPLETE once this commits, but the answer is the task as created, PENDING, as Designate's
   * central returns it before its worker finishes (designate-tempest-plugin checks that).
   */
  async create(caller: Caller, zoneId: string): Promise<ZoneTask> {
    const project = requireProject(caller);
    return this.#deps.storage.transaction(async (tx) => {
      const zone = await ownedZone(tx, caller, zoneId);
      refuseCatalog(zone);
      await enforceQuota(tx, this.#deps.options, zone.tenantId ?? project, 'api_export_size', () => tx.countRecordsets(zone.id));
      const task = await tx.createZoneTask({ taskType: 'EXPORT', tenantId: project, zoneId: zone.id, status: 'PENDING' });
      await tx.updateZoneTask(task.id, { status: 'COMPLETE', location: exportLocation(task.id) });
      return task;
    });
  }

  async get(caller: Caller, taskId: string): Promise<ZoneTask> {
    return this.#deps.storage.transaction((tx) => ownTask(tx, caller, taskId, 'EXPORT'));
  }

  async list(caller: Caller, query: ListQuery): Promise<{ items: ZoneTask[]; total: number }> {
    return this.#deps.storage.transaction((tx) => listTasks(tx, caller, 'zone_exports', query));
  }

  async delete(caller: Caller, taskId: string): Promise<void> {
    await this.#deps.storage.transaction(async (tx) => tx.deleteZoneTask((await ownTask(tx, caller, taskId, 'EXPORT')).id));
  }

  /**
   * GET /v2/zones/tasks/exports/{id}/export: the zone as a master file, as it is now (recordsets in the order
   * they were created). The zone must still be one the caller may read.
   */
  async render(caller: Caller, taskId: string): Promise<string> {
    return this.#deps.storage.transaction(async (tx) => {
      const task = await ownTask(tx, caller, taskId, 'EXPORT');
      if (task.status !== 'COMPLETE' || task.zoneId === null) throw Refuse.notFound('Zone Export');
      const { zone } = await readableZone(tx, caller, task.zoneId);
      const recordsets: ExportRecordSet[] = [];
      for (let marker: string | null = null; ;) {
        const page: { items: RecordSet[] } = await tx.list('recordsets', { where: { zoneId: zone.id }, sortKey: 'createdAt', sortDir: 'asc', marker, limit: PAGE });
        for (const rs of page.items) {
          const records = (await tx.listRecords(rs.id)).filter((r) => r.action !== 'DELETE').map((r) => r.data);
          if (records.length > 0) recordsets.push({ name: rs.name, type: rs.type, ttl: rs.ttl, records });
        }
        if (page.items.length < PAGE) break;
        marker = page.items[page.items.length - 1].id;
      }
      // $ORIGIN as the API shows the zone's name: spelled as its owner gave it.
      return exportZone(shownName(zone), zone.ttl, recordsets);
    });
  }
}
