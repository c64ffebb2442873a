// Quotas and limits as the API shows them (designate.md §4.3): a project's effective quotas are the
// configured defaults under its own overrides. Anyone reads their own project's; reading another project's,
// setting and resetting need the admin role.
import { QUOTA_RESOURCES, requireAdmin, requireProject, type Caller, type CentralDeps, type QuotaResource } from './context.ts';
import { Refuse } from './errors.ts';
import { effectiveQuotas, type Quotas } from './quotas.ts';

/** The largest hard limit the quotas table holds (a signed 32-bit INTEGER); -1 means unlimited. */
const MAX_QUOTA = 2147483647;

/** Project ids as the quotas table holds them (Keystone's are 32 hex digits). */
function projectOf(projectId: string): string {
  if (projectId === '' || projectId.length > 36) throw Refuse.badRequest(`'${projectId}' is not a project id`, 'project_id');
  return projectId;
}

export interface Limits {
  max_zones: number;
  max_zone_recordsets: number;
  max_zone_records: number;
  max_recordset_records: number;
  /** null when no minimum is set, as Designate shows its unset min_ttl. */
  min_ttl: number | null;
  max_zone_name_length: number;
  max_recordset_name_length: number;
  max_page_limit: number;
}

export class QuotaService {
  readonly #deps: CentralDeps;

  constructor(deps: CentralDeps) {
    this.#deps = deps;
  }

  /** The quotas of `projectId`, or of the caller's project when it is null. */
  async get(caller: Caller, projectId: string | null = null): Promise<Quotas> {
    const project = projectId === null ? requireProject(caller) : projectOf(projectId);
    if (project !== caller.projectId) requireAdmin(caller);
    return this.#deps.storage.transaction((tx) => effectiveQuotas(tx, this.#deps.options, project));
  }

  /** Sets any of the quota resources for the project; returns its quotas afterwards. */
  async set(caller: Caller, projectId: string, body: unknown): Promise<Quotas> {
    requireAdmin(caller);
    projectOf(projectId);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw Refuse.invalidObject('The body must be a JSON object', 'body');
    const changes: [QuotaResource, number][] = [];
    for (const [key, value] of Object.entries(body)) {
      if (!(QUOTA_RESOURCES as readonly string[]).includes(key)) {
        throw Refuse.invalidObject(`'${key}' is not a quota (known: ${QUOTA_RESOURCES.join(', ')})`, key);
      }
      if (typeof value !== 'number' || !Number.isInteger(value) || value < -1 || value > MAX_QUOTA) {
        throw Refuse.invalidObject(`${key} must be an integer between -1 (unlimited) and ${MAX_QUOTA}`, key);
      }
      changes.push([key as QuotaResource, value]);
    }
    const quotas = await this.#deps.storage.transaction(async (tx) => {
      for (const [resource, limit] of changes) await tx.setQuota(projectId, resource, limit);
      return effectiveQuotas(tx, this.#deps.options, projectId);
    });
    this.#deps.log.info({ project: projectId, quotas: Object.fromEntries(changes) }, 'quotas set');
    return quotas;
  }

  /** Back to the configured defaults. */
  async reset(caller: Caller, projectId: string): Promise<void> {
    requireAdmin(caller);
    projectOf(projectId);
    await this.#deps.storage.transaction((tx) => tx.resetQuotas(projectId));
    this.#deps.log.info({ project: projectId }, 'quotas reset');
  }

  /** Designate's get_absolute_limits: the caller's quotas and the name, TTL and paging bounds. */
  async limits(caller: Caller, maxPageLimit: number): Promise<Limits> {
    const { options } = this.#deps;
    const quotas = await this.get(caller);
    return {
      max_zones: quotas.zones,
      max_zone_recordsets: quotas.zone_recordsets,
      max_zone_records: quotas.zone_records,
      max_recordset_records: quotas.recordset_records,
      min_ttl: options.minTtl > 0 ? options.minTtl : null,
      max_zone_name_length: options.maxZoneNameLength,
      max_recordset_name_length: options.maxRecordsetNameLength,
      max_page_limit: maxPageLimit,
    };
  }
}
