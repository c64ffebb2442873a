// API list parameters (names as the API spells them) to a storage list query (the storage's field names).
import type { ListQuery } from '../../storage/storage.ts';
import { Errors, type ListParams } from '../server.ts';

/** API name → storage field, and whether the field holds integers (its filter value must be one). */
export type FieldMap = Record<string, { field: string; integer?: boolean }>;

const field = (name: string, integer = false) => ({ field: name, integer });

/** The audit columns every resource sorts by. */
export const AUDIT_FIELDS: FieldMap = {
  id: field('id'), created_at: field('createdAt'), updated_at: field('updatedAt'), version: field('version', true),
};

export function fields(map: Record<string, string>, integers: readonly string[] = []): FieldMap {
  const out: FieldMap = { ...AUDIT_FIELDS };
  for (const [api, name] of Object.entries(map)) out[api] = field(name, integers.includes(api));
  return out;
}

export function toListQuery(params: ListParams, map: FieldMap): ListQuery {
  const where: Record<string, string | number> = {};
  const like: Record<string, string> = {};
  for (const [name, filter] of Object.entries(params.filters)) {
    const spec = map[name];
    if (!spec) throw new Error(`no storage field for the ${name} filter`);
    if (spec.integer) {
      if (!/^\d+$/.test(filter.value)) throw Errors.badRequest(`${name} must be an integer`);
      where[spec.field] = Number(filter.value);
    } else if (filter.wildcard) like[spec.field] = filter.like;
    // Statuses are upper case; Designate on MySQL (case-insensitive collation) matches `active` too.
    else where[spec.field] = name === 'status' ? filter.value.toUpperCase() : filter.value;
  }
  const sort = map[params.sortKey];
  if (!sort) throw new Error(`no storage field for sort key ${params.sortKey}`);
  return { where, like, sortKey: sort.field, sortDir: params.sortDir, marker: params.marker, limit: params.limit };
}
