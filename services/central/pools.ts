// Pools (designate.md §4.8): the servers zones are published through, configured from pools.yaml with
// `zonecast manage pool-update` (Designate's `designate-manage pool update`). The API reads them; its
// writes are deprecated in Designate and here admin-only: create, update (name, description, attributes,
// ns_records; new ns_records reach every zone of the pool as pool-update's do), and delete of a pool no zone
// uses. pool-update.ts applies a pools.yaml.
import {
  DuplicateError, NotFoundError, type ListQuery, type Pool, type PoolCreate, type PoolNsRecord, type Tx,
} from '../storage/storage.ts';
import { requireAdmin, type Caller, type CentralDeps } from './context.ts';
import { CentralError, markerNotFound, Refuse } from './errors.ts';
import { objectBody, optionalString, projectIdOf, requiredString, stringMap, type Body } from './input.ts';
import { replacePool } from './pool-update.ts';
import { ValidationError, fqdn } from './validate.ts';

const CREATE_FIELDS = ['name', 'description', 'attributes', 'ns_records', 'project_id'];
/** project_id is immutable (Designate's pool adapter): given again it must be the same, or set where unset. */
const UPDATE_FIELDS = CREATE_FIELDS;
const MAX_NAME_LENGTH = 50;

const missing = (err: unknown): never => {
  if (err instanceof NotFoundError && err.resource !== 'marker') throw Refuse.notFound('Pool');
  throw err;
};

function nsRecords(input: Body): PoolNsRecord[] {
  const v = input.ns_records;
  if (v === undefined || v === null) throw Refuse.invalidObject("'ns_records' is a required property", 'ns_records');
  if (!Array.isArray(v) || v.length === 0) throw Refuse.invalidObject('ns_records must be a non-empty list', 'ns_records');
  const seen = new Set<string>();
  return v.map((item, i) => {
    const path = `ns_records[${i}]`;
    const ns = objectBody(item, ['hostname', 'priority'], path);
    const hostname = requiredString(ns, 'hostname');
    try {
      fqdn(`${path}.hostname`, hostname);
    } catch (err) {
      if (err instanceof ValidationError) throw Refuse.invalidObject(err.message, err.field);
      throw err;
    }
    if (typeof ns.priority !== 'number' || !Number.isInteger(ns.priority) || ns.priority < 0 || ns.priority > 65535) {
      throw Refuse.invalidObject(`${path}.priority must be an integer between 0 and 65535`, `${path}.priority`);
    }
    if (seen.has(hostname.toLowerCase())) throw Refuse.invalidObject(`${path}.hostname: '${hostname}' is listed twice`, `${path}.hostname`);
    seen.add(hostname.toLowerCase());
    return { hostname, priority: ns.priority };
  });
}

function poolName(input: Body): string {
  const name = requiredString(input, 'name', MAX_NAME_LENGTH);
  if (name === '') throw Refuse.invalidObject('name must not be empty', 'name');
  return name;
}

/** Live zones hosted by the pool. */
async function zonesInPool(tx: Tx, poolId: string): Promise<number> {
  return (await tx.list('zones', { where: { poolId }, limit: 1 })).total;
}

export class Pools {
  readonly #deps: CentralDeps;

  constructor(deps: CentralDeps) {
    this.#deps = deps;
  }

  // Reading pools is Designate's find_pools/get_pool: SYSTEM_READER or (its deprecated default, still accepted
  // unless enforce_new_defaults is set) admin. Projects have no system scope here, so it is admin.
  async list(caller: Caller, query: ListQuery): Promise<{ items: Pool[]; total: number }> {
    requireAdmin(caller);
    return this.#deps.storage.transaction((tx) => tx.list('pools', query)).catch(markerNotFound);
  }

  async get(caller: Caller, id: string): Promise<Pool> {
    requireAdmin(caller);
    return this.#deps.storage.transaction((tx) => tx.getPool(id)).catch(missing);
  }

  async create(caller: Caller, body: unknown): Promise<Pool> {
    requireAdmin(caller);
    const input = objectBody(body, CREATE_FIELDS);
    const spec: PoolCreate = {
      name: poolName(input),
      description: optionalString(input, 'description', 160) ?? null,
      attributes: stringMap(input, 'attributes') ?? {},
      nsRecords: nsRecords(input),
      tenantId: projectIdOf(input, 'project_id', false) ?? caller.projectId,
    };
    const pool = await this.#deps.storage.transaction((tx) => tx.createPool(spec)).catch((err: unknown) => {
      if (err instanceof DuplicateError) throw Refuse.duplicate('Pool', 'name');
      throw err;
    });
    this.#deps.log.warn({ pool: pool.name, pool_id: pool.id }, 'pool created through the API (deprecated: use pools.yaml and zonecast manage pool-update)');
    return pool;
  }

  /** Designate's PATCH /v2/pools/{id}: the fields given replace the stored ones; nameservers and targets stay. */
  async update(caller: Caller, id: string, body: unknown): Promise<Pool> {
    requireAdmin(caller);
    const input = objectBody(body, UPDATE_FIELDS);
    const pool = await this.#deps.storage.transaction(async (tx) => {
      const existing = await tx.getPool(id).catch(missing);
      const projectId = projectIdOf(input, 'project_id', false);
      if (projectId != null && existing.tenantId && projectId !== existing.tenantId) {
        throw Refuse.invalidObject(`project_id cannot be changed (it is ${existing.tenantId})`, 'project_id');
      }
      const { zonesRewritten, pool } = await replacePool(tx, existing, {
        name: input.name === undefined ? existing.name : poolName(input),
        description: input.description === undefined ? existing.description : optionalString(input, 'description', 160) ?? null,
        attributes: stringMap(input, 'attributes') ?? existing.attributes,
        nsRecords: input.ns_records === undefined ? existing.nsRecords : nsRecords(input),
        tenantId: existing.tenantId || projectId || null,
        nameservers: existing.nameservers, targets: existing.targets, alsoNotifies: existing.alsoNotifies,
      }, { managedResourceEmail: this.#deps.options.managedResourceEmail, ...(this.#deps.now ? { now: this.#deps.now } : {}) }).catch((err: unknown) => {
        if (err instanceof DuplicateError) throw Refuse.duplicate('Pool', 'name');
        throw err;
      });
      if (zonesRewritten > 0) this.#deps.log.info({ pool_id: id, zones: zonesRewritten }, "pool ns_records changed: zones rewritten; the producer's delayed_notify task announces them");
      return pool;
    });
    this.#deps.log.warn({ pool: pool.name, pool_id: pool.id }, 'pool updated through the API (deprecated: use pools.yaml and zonecast manage pool-update)');
    return pool;
  }

  async delete(caller: Caller, id: string): Promise<void> {
    requireAdmin(caller);
    await this.#deps.storage.transaction(async (tx) => {
      await tx.getPool(id).catch(missing);
      if ((await zonesInPool(tx, id)) > 0) throw new CentralError(400, 'invalid_operation', 'pool must not contain zones');
      await tx.deletePool(id);
    });
    this.#deps.log.warn({ pool_id: id }, 'pool deleted through the API');
  }
}
