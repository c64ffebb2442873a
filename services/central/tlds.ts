// TLDs (designate.md §4.4): admin-only. Once any exists, zones must end in one (zones.ts #checkTld). Names
// are stored without the trailing dot and in lower case, as zone names are, so the check compares like with like.
import { DuplicateError, NotFoundError, type ListQuery, type Tld, type TldUpdate } from '../storage/storage.ts';
import { requireAdmin, type Caller, type CentralDeps } from './context.ts';
import { markerNotFound, Refuse } from './errors.ts';
import { objectBody, optionalString, requiredString } from './input.ts';

const CREATE_FIELDS = ['name', 'description'];
const UPDATE_FIELDS = ['name', 'description'];

/**
 * Designate's RE_TLDNAME: dot-separated labels of letters, digits, underscores and hyphens (IDN `xn--`
 * included), no hyphen at either end of a label, no trailing dot, under 255 characters.
 */
const LABEL = '(?!-)[A-Za-z0-9_-]{1,63}(?<!-)';
const TLD_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
export const MAX_TLD_NAME_LENGTH = 254;

export function checkTldName(name: string, field = 'name'): string {
  if (name.length > MAX_TLD_NAME_LENGTH || !TLD_NAME.test(name)) {
    throw Refuse.invalidObject(`'${name}' is not a valid TLD name (labels of letters, digits, underscores and hyphens, no trailing dot)`, field);
  }
  return name.toLowerCase();
}

const missing = (err: unknown): never => {
  if (err instanceof NotFoundError && err.resource !== 'marker') throw Refuse.notFound('Tld'); // "Could not find Tld", as Designate's TldNotFound says it
  throw err;
};

const duplicate = (err: unknown): never => {
  if (err instanceof DuplicateError) throw Refuse.duplicate('TLD', 'name');
  throw err;
};

export class Tlds {
  readonly #deps: CentralDeps;

  constructor(deps: CentralDeps) {
    this.#deps = deps;
  }

  async create(caller: Caller, body: unknown): Promise<Tld> {
    requireAdmin(caller);
    const input = objectBody(body, CREATE_FIELDS);
    const name = checkTldName(requiredString(input, 'name', MAX_TLD_NAME_LENGTH));
    const description = optionalString(input, 'description', 160) ?? null;
    const tld = await this.#deps.storage.transaction((tx) => tx.createTld(name, description)).catch(duplicate);
    this.#deps.log.info({ tld: tld.name, tld_id: tld.id }, 'tld created');
    return tld;
  }

  async get(caller: Caller, id: string): Promise<Tld> {
    requireAdmin(caller);
    return this.#deps.storage.transaction((tx) => tx.getTld(id)).catch(missing);
  }

  async list(caller: Caller, query: ListQuery): Promise<{ items: Tld[]; total: number }> {
    requireAdmin(caller);
    return this.#deps.storage.transaction((tx) => tx.list('tlds', query)).catch(markerNotFound);
  }

  async update(caller: Caller, id: string, body: unknown): Promise<Tld> {
    requireAdmin(caller);
    const input = objectBody(body, UPDATE_FIELDS);
    const patch: TldUpdate = {};
    const name = optionalString(input, 'name', MAX_TLD_NAME_LENGTH);
    if (name === null) throw Refuse.invalidObject('name must not be null', 'name');
    if (name !== undefined) patch.name = checkTldName(name);
    const description = optionalString(input, 'description', 160);
    if (description !== undefined) patch.description = description;
    return this.#deps.storage.transaction(async (tx) => {
      await tx.getTld(id).catch(missing);
      return tx.updateTld(id, patch).catch(duplicate);
    });
  }

  async delete(caller: Caller, id: string): Promise<void> {
    requireAdmin(caller);
    await this.#deps.storage.transaction((tx) => tx.deleteTld(id)).catch(missing);
    this.#deps.log.info({ tld_id: id }, 'tld deleted');
  }
}
