// Blacklists (designate.md §4.4): admin-only regular expressions; a zone whose name one matches is refused to
// everyone but admins (zones.ts #checkBlacklist). A pattern must compile, and patterns are unique.
import { DuplicateError, NotFoundError, type Blacklist, type BlacklistUpdate, type ListQuery } from '../storage/storage.ts';
import { requireAdmin, type Caller, type CentralDeps } from './context.ts';
import { markerNotFound, Refuse } from './errors.ts';
import { objectBody, optionalString, requiredString } from './input.ts';

const FIELDS = ['pattern', 'description'];
const MAX_PATTERN_LENGTH = 255;

/** The pattern as zones.ts will use it: a JavaScript RegExp, tried with test() against the zone name. */
export function checkPattern(pattern: string, field = 'pattern'): string {
  if (pattern === '') throw Refuse.invalidObject('pattern must not be empty', field);
  try {
    new RegExp(pattern);
  } catch (err) {
    throw Refuse.invalidObject(`pattern '${pattern}' is not a valid regular expression: ${(err as Error).message}`, field);
  }
  return pattern;
}

const missing = (err: unknown): never => {
  if (err instanceof NotFoundError && err.resource !== 'marker') throw Refuse.notFound('Blacklist');
  throw err;
};

const duplicate = (err: unknown): never => {
  if (err instanceof DuplicateError) throw Refuse.duplicate('Blacklist', 'pattern');
  throw err;
};

export class Blacklists {
  readonly #deps: CentralDeps;

  constructor(deps: CentralDeps) {
    this.#deps = deps;
  }

  async create(caller: Caller, body: unknown): Promise<Blacklist> {
    requireAdmin(caller);
    const input = objectBody(body, FIELDS);
    const pattern = checkPattern(requiredString(input, 'pattern', MAX_PATTERN_LENGTH));
    const description = optionalString(input, 'description', 160) ?? null;
    const entry = await this.#deps.storage.transaction((tx) => tx.createBlacklist(pattern, description)).catch(duplicate);
    this.#deps.log.info({ pattern: entry.pattern, blacklist_id: entry.id }, 'blacklist created');
    return entry;
  }

  async get(caller: Caller, id: string): Promise<Blacklist> {
    requireAdmin(caller);
    return this.#deps.storage.transaction((tx) => tx.getBlacklist(id)).catch(missing);
  }

  async list(caller: Caller, query: ListQuery): Promise<{ items: Blacklist[]; total: number }> {
    requireAdmin(caller);
    return this.#deps.storage.transaction((tx) => tx.list('blacklists', query)).catch(markerNotFound);
  }

  async update(caller: Caller, id: string, body: unknown): Promise<Blacklist> {
    requireAdmin(caller);
    const input = objectBody(body, FIELDS);
    const patch: BlacklistUpdate = {};
    const pattern = optionalString(input, 'pattern', MAX_PATTERN_LENGTH);
    if (pattern === null) throw Refuse.invalidObject('pattern must not be null', 'pattern');
    if (pattern !== undefined) patch.pattern = checkPattern(pattern);
    const description = optionalString(input, 'description', 160);
    if (description !== undefined) patch.description = description;
    return this.#deps.storage.transaction(async (tx) => {
      await tx.getBlacklist(id).catch(missing);
      return tx.updateBlacklist(id, patch).catch(duplicate);
    });
  }

  async delete(caller: Caller, id: string): Promise<void> {
    requireAdmin(caller);
    await this.#deps.storage.transaction((tx) => tx.deleteBlacklist(id)).catch(missing);
    this.#deps.log.info({ blacklist_id: id }, 'blacklist deleted');
  }
}
