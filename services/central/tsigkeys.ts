// TSIG keys (designate.md §4.9): admin-only. A key belongs to a pool (scope POOL) or a zone (scope ZONE), and
// its resource_id must name one that exists (Designate's fix for bug 1934120). Secrets are base64, as mdns and
// BIND read them; Designate's empty secrets (allow_empty_secrets_for_tsig) are not accepted: they sign nothing.
import { TSIG_ALGORITHMS } from '../../engine/tsig/keys.ts';
import { DuplicateError, NotFoundError, type ListQuery, type TsigKey, type TsigKeyUpdate, type TsigScope } from '../storage/storage.ts';
import { requireAdmin, type Caller, type CentralDeps } from './context.ts';
import { markerNotFound, Refuse } from './errors.ts';
import { objectBody, optionalString, requiredString } from './input.ts';

const FIELDS = ['name', 'algorithm', 'secret', 'scope', 'resource_id'];
export const TSIG_ALGORITHM_NAMES: readonly string[] = TSIG_ALGORITHMS.map((a) => a.mnemonic);
const SCOPES: readonly TsigScope[] = ['POOL', 'ZONE'];
const MAX_LENGTH = 160;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function algorithm(value: string): string {
  if (!TSIG_ALGORITHM_NAMES.includes(value)) {
    throw Refuse.invalidObject(`algorithm must be one of ${TSIG_ALGORITHM_NAMES.join(', ')}, not '${value}'`, 'algorithm');
  }
  return value;
}

/**
 * Any non-empty string, as Designate stores it. mdns signs only with base64 secrets (RFC 8945 keys are
 * bytes): it logs a key with another secret as not usable and leaves it out.
 */
function secret(value: string): string {
  // Never echo the secret in the message.
  if (value === '') throw Refuse.invalidObject('secret must not be empty', 'secret');
  return value;
}

function scope(value: string): TsigScope {
  if (!(SCOPES as readonly string[]).includes(value)) throw Refuse.invalidObject(`scope must be POOL or ZONE, not '${value}'`, 'scope');
  return value as TsigScope;
}

function resourceId(value: string): string {
  if (!UUID.test(value)) throw Refuse.invalidObject(`resource_id must be a UUID, not '${value}'`, 'resource_id');
  return value.toLowerCase();
}

function nonNull<T>(field: string, value: T | null | undefined): T | undefined {
  if (value === null) throw Refuse.invalidObject(`${field} must not be null`, field);
  return value;
}

const missing = (err: unknown): never => {
  if (err instanceof NotFoundError && err.resource !== 'marker') throw Refuse.notFound('TsigKey');
  throw err;
};

const duplicate = (err: unknown): never => {
  if (err instanceof DuplicateError) throw Refuse.duplicate('TsigKey', 'name');
  throw err;
};


/** A key name: not empty, and no control characters (it names the key in DNS messages and in logs). */
function keyName(name: string): string {
  if (name === '') throw Refuse.invalidObject('name must not be empty', 'name');
  if (/[\x00-\x1f\x7f]/.test(name)) throw Refuse.invalidObject('name must not contain control characters', 'name');
  return name;
}

export class TsigKeys {
  readonly #deps: CentralDeps;

  constructor(deps: CentralDeps) {
    this.#deps = deps;
  }

  async create(caller: Caller, body: unknown): Promise<TsigKey> {
    requireAdmin(caller);
    const input = objectBody(body, FIELDS);
    const name = keyName(requiredString(input, 'name', MAX_LENGTH));
    const spec = {
      name,
      algorithm: algorithm(requiredString(input, 'algorithm', 32)),
      secret: secret(requiredString(input, 'secret', MAX_LENGTH)),
      scope: scope(requiredString(input, 'scope', 16)),
      resourceId: resourceId(requiredString(input, 'resource_id', 36)),
      tenantId: caller.projectId,
    };
    // Designate stores resource_id unchecked (designate-tempest-plugin creates keys for random ids): a key
    // for a pool or zone that does not exist is valid for nothing that mdns serves.
    const key = await this.#deps.storage.transaction((tx) => tx.createTsigKey(spec).catch(duplicate));
    this.#deps.log.info({ tsigkey: key.name, tsigkey_id: key.id, scope: key.scope, resource_id: key.resourceId }, 'tsigkey created');
    await this.#announce(key.id, 'CREATE');
    return key;
  }

  async get(caller: Caller, id: string): Promise<TsigKey> {
    requireAdmin(caller);
    return this.#deps.storage.transaction((tx) => tx.getTsigKey(id)).catch(missing);
  }

  async list(caller: Caller, query: ListQuery): Promise<{ items: TsigKey[]; total: number }> {
    requireAdmin(caller);
    return this.#deps.storage.transaction((tx) => tx.list('tsigkeys', query)).catch(markerNotFound);
  }

  async update(caller: Caller, id: string, body: unknown): Promise<TsigKey> {
    requireAdmin(caller);
    const input = objectBody(body, FIELDS);
    const patch: TsigKeyUpdate = {};
    const name = nonNull('name', optionalString(input, 'name', MAX_LENGTH));
    if (name !== undefined) patch.name = keyName(name);
    const alg = nonNull('algorithm', optionalString(input, 'algorithm', 32));
    if (alg !== undefined) patch.algorithm = algorithm(alg);
    const sec = nonNull('secret', optionalString(input, 'secret', MAX_LENGTH));
    if (sec !== undefined) patch.secret = secret(sec);
    const sc = nonNull('scope', optionalString(input, 'scope', 16));
    if (sc !== undefined) patch.scope = scope(sc);
    const rid = nonNull('resource_id', optionalString(input, 'resource_id', 36));
    if (rid !== undefined) patch.resourceId = resourceId(rid);
    const key = await this.#deps.storage.transaction(async (tx) => {
      await tx.getTsigKey(id).catch(missing);
      return tx.updateTsigKey(id, patch).catch(duplicate);
    });
    this.#deps.log.info({ tsigkey: key.name, tsigkey_id: key.id }, 'tsigkey updated');
    await this.#announce(key.id, 'UPDATE');
    return key;
  }

  async delete(caller: Caller, id: string): Promise<void> {
    requireAdmin(caller);
    await this.#deps.storage.transaction((tx) => tx.deleteTsigKey(id)).catch(missing);
    this.#deps.log.info({ tsigkey_id: id }, 'tsigkey deleted');
    await this.#announce(id, 'DELETE');
  }

  /** mdns signs and checks transfers with these keys: it reads them again after each committed change. */
  #announce(tsigkeyId: string, action: 'CREATE' | 'UPDATE' | 'DELETE'): Promise<void> {
    return this.#deps.bus.publish('tsigkeys.changed', { tsigkeyId, action });
  }
}
