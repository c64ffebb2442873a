// Zone ownership transfers between projects (designate.md §4.6): the owner makes a request with a secret key,
// tells the key to the new owner out of band, and that project accepts with it; the zone, its recordsets and
// records then belong to the accepting project.
import { randomInt } from 'node:crypto';
import {
  NotFoundError, type ListQuery, type Tx, type ZoneTransferAccept, type ZoneTransferRequest,
} from '../storage/storage.ts';
import { ownedZone, requireAdmin, requireProject, seesAll, type Caller, type CentralDeps } from './context.ts';
import { CentralError, markerNotFound, Refuse } from './errors.ts';
import { objectBody, optionalString, projectIdOf, requiredString, type Body } from './input.ts';
import { enforceQuota } from './quotas.ts';
import { refuseCatalog } from './shares.ts';
import { shownName } from './zones.ts';

export interface TransferRequestDetail {
  request: ZoneTransferRequest;
  zoneName: string;
  /** The full view (key, projects, times): the owner's, or an admin's. Others see only what they need to accept. */
  detailed: boolean;
}

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export const TRANSFER_KEY_LENGTH = 8;

/** Designate's key: 8 characters of [A-Z0-9] from the system's cryptographic randomness. */
export function transferKey(): string {
  let key = '';
  for (let i = 0; i < TRANSFER_KEY_LENGTH; i++) key += KEY_ALPHABET[randomInt(KEY_ALPHABET.length)];
  return key;
}

const REQUEST_FIELDS = ['target_project_id', 'description'];

const targetProject = (input: Body): string | null | undefined => projectIdOf(input, 'target_project_id', false);

export class Transfers {
  readonly #deps: CentralDeps;

  constructor(deps: CentralDeps) {
    this.#deps = deps;
  }

  /** POST /v2/zones/{zone_id}/tasks/transfer_requests (the owner; not for a zone being deleted). */
  async createRequest(caller: Caller, zoneId: string, body: unknown): Promise<TransferRequestDetail> {
    const input = objectBody(body ?? {}, REQUEST_FIELDS);
    const target = targetProject(input) ?? null;
    const description = optionalString(input, 'description', 160) ?? null;
    const detail = await this.#deps.storage.transaction(async (tx) => {
      const zone = await ownedZone(tx, caller, zoneId);
      refuseCatalog(zone);
      if (zone.action === 'DELETE') throw Refuse.badRequest('Can not transfer a deleting zone');
      const request = await tx.createTransferRequest({
        zoneId: zone.id, key: transferKey(), tenantId: zone.tenantId ?? requireProject(caller), targetTenantId: target, description,
      });
      return { request, zoneName: shownName(zone), detailed: true };
    });
    this.#deps.log.info({ zone_id: zoneId, request_id: detail.request.id, target }, 'zone transfer requested');
    return detail;
  }

  /**
   * The requests the caller made or that name it as target (every request for an all-projects admin).
   * Requests open to any project are not listed to others: they learn the id with the key.
   */
  async listRequests(caller: Caller, query: ListQuery): Promise<{ items: TransferRequestDetail[]; total: number }> {
    return this.#deps.storage.transaction(async (tx) => {
      const scoped: ListQuery = seesAll(caller) ? query : { ...query, visibleToProject: requireProject(caller) };
      const { items, total } = await tx.list('transfer_requests', scoped).catch(markerNotFound);
      const out: TransferRequestDetail[] = [];
      for (const request of items) out.push(await this.#requestDetail(tx, caller, request));
      return { items: out, total };
    });
  }

  async getRequest(caller: Caller, requestId: string): Promise<TransferRequestDetail> {
    return this.#deps.storage.transaction(async (tx) => this.#requestDetail(tx, caller, await visibleRequest(tx, caller, requestId)));
  }

  /** PATCH: description and target_project_id, by the owner. */
  async updateRequest(caller: Caller, requestId: string, body: unknown): Promise<TransferRequestDetail> {
    const input = objectBody(body, REQUEST_FIELDS);
    const target = targetProject(input);
    const description = optionalString(input, 'description', 160);
    return this.#deps.storage.transaction(async (tx) => {
      const request = await ownRequest(tx, caller, requestId);
      const patched = Object.keys(input).length === 0 ? request
        : await tx.updateTransferRequest(request.id, { description, targetTenantId: target });
      return this.#requestDetail(tx, caller, patched);
    });
  }

  async deleteRequest(caller: Caller, requestId: string): Promise<void> {
    await this.#deps.storage.transaction(async (tx) => {
      const request = await deletableRequest(tx, caller, requestId);
      await tx.deleteTransferRequest(request.id);
    });
  }

  /**
   * POST /v2/zones/tasks/transfer_accepts: an ACTIVE request the caller may accept, its key, a zone that is not
   * being deleted and room in the accepting project's zone quota; then the zone changes owner and the request
   * and accept are COMPLETE. A refusal after the key matched is recorded as an accept in ERROR, as Designate does.
   */
  async accept(caller: Caller, body: unknown): Promise<ZoneTransferAccept> {
    const input = objectBody(body, ['key', 'zone_transfer_request_id']);
    const key = requiredString(input, 'key', 255);
    const requestId = requiredString(input, 'zone_transfer_request_id', 36);
    const project = requireProject(caller);
    let failed: { request: ZoneTransferRequest } | null = null;
    try {
      const detail = await this.#deps.storage.transaction(async (tx) => {
        failed = null;
        const request = await visibleRequest(tx, caller, requestId);
        if (request.status !== 'ACTIVE') {
          throw Refuse.invalidTransferRequest(request.status === 'COMPLETE' ? 'Zone Transfer Request has been used' : 'Zone Transfer Request Invalid');
        }
        if (request.key !== key) throw Refuse.invalidKey('Key does not match stored key for request');
        failed = { request };
        const zone = await tx.getZone(request.zoneId, { forUpdate: true }).catch((err: unknown) => {
          if (err instanceof NotFoundError) throw Refuse.badRequest('Can not transfer a deleted zone');
          throw err;
        });
        if (zone.action === 'DELETE') throw Refuse.badRequest('Can not transfer a deleting zone');
        // Another request of the same zone was accepted first: this one no longer speaks for the owner.
        if (zone.tenantId !== request.tenantId) throw Refuse.invalidTransferRequest('Zone Transfer Request Invalid: the zone has changed owner');
        if (zone.tenantId !== project) await enforceQuota(tx, this.#deps.options, project, 'zones', async () => (await tx.countZones(project, { forUpdate: true })) + 1);
        await tx.reownZone(zone.id, project);
        // A share with the new owner would now be a share with itself.
        for (const share of await tx.findSharedZones(zone.id)) if (share.targetProjectId === project) await tx.unshareZone(share.id);
        await tx.updateTransferRequestStatus(request.id, 'COMPLETE');
        return tx.createTransferAccept({ zoneTransferRequestId: request.id, tenantId: project, zoneId: zone.id, status: 'COMPLETE' });
      });
      this.#deps.log.info({ zone_id: detail.zoneId, project, request_id: requestId }, 'zone transferred');
      return detail;
    } catch (err) {
      const at = failed as { request: ZoneTransferRequest } | null;
      if (at !== null && err instanceof CentralError) {
        await this.#deps.storage.transaction((tx) => tx.createTransferAccept({
          zoneTransferRequestId: at.request.id, tenantId: project, zoneId: at.request.zoneId, status: 'ERROR',
        })).catch((e: Error) => this.#deps.log.warn({ err: e.message, request_id: requestId }, 'could not record the failed transfer accept'));
      }
      throw err;
    }
  }

  /**
   * Listing accepts is for admins, as Designate's find_zone_transfer_accepts policy has it: an accept names
   * the projects a zone moved between. Their own project's unless all projects are asked for.
   */
  async listAccepts(caller: Caller, query: ListQuery): Promise<{ items: ZoneTransferAccept[]; total: number }> {
    requireAdmin(caller);
    return this.#deps.storage.transaction(async (tx) => {
      const scoped: ListQuery = seesAll(caller) ? query : { ...query, where: { ...query.where, tenantId: requireProject(caller) } };
      return tx.list('transfer_accepts', scoped).catch(markerNotFound);
    });
  }

  async getAccept(caller: Caller, acceptId: string): Promise<ZoneTransferAccept> {
    return this.#deps.storage.transaction(async (tx) => {
      let accept: ZoneTransferAccept;
      try {
        accept = await tx.getTransferAccept(acceptId);
      } catch (err) {
        if (err instanceof NotFoundError) throw Refuse.notFound('ZoneTransferAccept', 'zone_transfer_accept_not_found');
        throw err;
      }
      if (!seesAll(caller) && accept.tenantId !== caller.projectId) throw Refuse.notFound('ZoneTransferAccept', 'zone_transfer_accept_not_found');
      return accept;
    });
  }

  async #requestDetail(tx: Tx, caller: Caller, request: ZoneTransferRequest): Promise<TransferRequestDetail> {
    const zone = await tx.getZone(request.zoneId, { includeDeleted: true }).catch((err: unknown) => {
      if (err instanceof NotFoundError) return null;
      throw err;
    });
    return { request, zoneName: zone === null ? '' : shownName(zone), detailed: caller.isAdmin || request.tenantId === caller.projectId };
  }
}

const requestNotFound = () => Refuse.notFound('ZoneTransferRequest', 'zone_transfer_request_not_found');

async function findRequest(tx: Tx, requestId: string): Promise<ZoneTransferRequest> {
  try {
    return await tx.getTransferRequest(requestId);
  } catch (err) {
    if (err instanceof NotFoundError) throw requestNotFound();
    throw err;
  }
}

/** Designate's RULE_ZONE_TRANSFER: an admin, the owner, anyone when no target is set, the target. */
const involved = (caller: Caller, request: ZoneTransferRequest): boolean => caller.isAdmin || request.tenantId === caller.projectId ||
  request.targetTenantId === null || request.targetTenantId === caller.projectId;

/**
 * A request read as Designate's get_zone_transfer_request reads it (GET, accept and PATCH go through it): found
 * whoever asks, then refused (403) to a project it does not involve.
 */
async function visibleRequest(tx: Tx, caller: Caller, requestId: string): Promise<ZoneTransferRequest> {
  const request = await findRequest(tx, requestId);
  if (!involved(caller, request)) throw Refuse.forbidden('You are not authorized to see this zone transfer request');
  return request;
}

/** Designate's admin_or_owner: only the owner, or an admin, changes or deletes a request (the target may look). */
function requireOwner(caller: Caller, request: ZoneTransferRequest): ZoneTransferRequest {
  if (!caller.isAdmin && request.tenantId !== caller.projectId) {
    throw Refuse.forbidden('Only the project that made a transfer request may change or delete it');
  }
  return request;
}

/** PATCH: a request the caller may see, changed only by its owner or an admin. */
async function ownRequest(tx: Tx, caller: Caller, requestId: string): Promise<ZoneTransferRequest> {
  return requireOwner(caller, await visibleRequest(tx, caller, requestId));
}

/**
 * DELETE reads the request in the caller's own scope, as Designate's does: not found for a project it does not
 * name (owner or target); then only the owner, or an admin, may delete it.
 */
async function deletableRequest(tx: Tx, caller: Caller, requestId: string): Promise<ZoneTransferRequest> {
  const request = await findRequest(tx, requestId);
  if (!seesAll(caller) && request.tenantId !== caller.projectId && request.targetTenantId !== caller.projectId) throw requestNotFound();
  return requireOwner(caller, request);
}
