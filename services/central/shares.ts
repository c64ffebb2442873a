// Shared zones (Designate API 2.1, designate.md §4.5): the owner shares a zone with another project, which can
// then see it and keep its own recordsets in it. Seeing and writing shared zones is the business of
// context.ts (readableZone) and recordsets.ts; this is the shares themselves.
import { DuplicateError, NotFoundError, type ListQuery, type SharedZone, type Tx, type Zone } from '../storage/storage.ts';
import { ownedZone, readableZone, requireProject, type Caller, type CentralDeps } from './context.ts';
import { CentralError, markerNotFound, Refuse } from './errors.ts';
import { objectBody, projectIdOf } from './input.ts';

/** Catalog zones are managed by zonecast alone: not shared, transferred or exported through the API. */
export function refuseCatalog(zone: Zone): void {
  if (zone.type === 'CATALOG') throw Refuse.forbidden('This operation is not allowed for catalog zones.');
}

export class Shares {
  readonly #deps: CentralDeps;

  constructor(deps: CentralDeps) {
    this.#deps = deps;
  }

  /** POST /v2/zones/{zone_id}/shares: only the owner shares, never with itself, once per project. */
  async create(caller: Caller, zoneId: string, body: unknown): Promise<SharedZone> {
    const input = objectBody(body, ['target_project_id']);
    const target = projectIdOf(input, 'target_project_id', true)!;
    return this.#deps.storage.transaction(async (tx) => {
      const zone = await ownedZone(tx, caller, zoneId);
      refuseCatalog(zone);
      if (zone.action === 'DELETE') throw Refuse.badRequest('Can not share a deleting zone');
      if (target === zone.tenantId) throw Refuse.badRequest('Cannot share the zone with the zone owner.', 'target_project_id');
      try {
        // The sharing project is the zone's owner, also when an all-projects admin shares on its behalf.
        return await tx.shareZone(zone.id, zone.tenantId ?? requireProject(caller), target);
      } catch (err) {
        if (err instanceof DuplicateError) throw Refuse.duplicate('Shared Zone', 'target_project_id');
        throw err;
      }
    });
  }

  /** The owner sees every share of the zone; a project it is shared with sees the shares made to it. */
  async list(caller: Caller, zoneId: string, query: ListQuery): Promise<{ items: SharedZone[]; total: number }> {
    return this.#deps.storage.transaction(async (tx) => {
      const { zone, owner } = await readableZone(tx, caller, zoneId);
      const where: NonNullable<ListQuery['where']> = { ...query.where, zoneId: zone.id };
      if (!owner) {
        const asked = query.where?.targetProjectId;
        // Asking for another project's shares finds nothing rather than revealing them.
        where.targetProjectId = asked === undefined || asked === caller.projectId ? requireProject(caller) : [];
      }
      return tx.list('shared_zones', { ...query, where }).catch(markerNotFound);
    });
  }

  async get(caller: Caller, zoneId: string, shareId: string): Promise<SharedZone> {
    return this.#deps.storage.transaction(async (tx) => {
      const { zone, owner } = await readableZone(tx, caller, zoneId);
      const share = await shareOf(tx, zone, shareId);
      if (!owner && share.targetProjectId !== caller.projectId) throw Refuse.notFound('Shared Zone');
      return share;
    });
  }

  /**
   * DELETE /v2/zones/{zone_id}/shares/{share_id} (owner only): refused while the target project still owns
   * subzones or recordsets in the zone, which would otherwise be left in a zone it can no longer see.
   */
  async delete(caller: Caller, zoneId: string, shareId: string): Promise<void> {
    await this.#deps.storage.transaction(async (tx) => {
      const zone = await ownedZone(tx, caller, zoneId, { forUpdate: true });
      const share = await shareOf(tx, zone, shareId);
      const subzones = await tx.list('zones', { where: { parentZoneId: zone.id, tenantId: share.targetProjectId }, limit: 1 });
      if (subzones.total > 0) {
        throw new CentralError(400, 'shared_zone_has_sub_zone', `Please delete all subzones owned by project ${share.targetProjectId} before unsharing this zone`);
      }
      const recordsets = await tx.list('recordsets', { where: { zoneId: zone.id, tenantId: share.targetProjectId }, limit: 1 });
      if (recordsets.total > 0) {
        throw new CentralError(400, 'shared_zone_has_recordsets', `Please delete all recordsets owned by project ${share.targetProjectId} before unsharing this zone.`);
      }
      await tx.unshareZone(share.id);
    });
    this.#deps.log.info({ zone_id: zoneId, share_id: shareId }, 'zone unshared');
  }
}

async function shareOf(tx: Tx, zone: Zone, shareId: string): Promise<SharedZone> {
  try {
    const share = await tx.getSharedZone(shareId);
    if (share.zoneId === zone.id) return share;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  throw Refuse.notFound('Shared Zone');
}
