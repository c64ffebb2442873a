// Pagination, sorting and filtering of list calls (designate.md §5.3, designate/utils.py get_paging_params,
// controllers/rest.py _apply_filter_params) and the list envelope with its links.
import { Errors } from './errors.ts';

export interface PagingOptions {
  /** `[service:api] default_limit_v2` (20). */
  defaultLimit?: number;
  /** `[service:api] max_limit_v2` (1000); also what `limit=max` means. */
  maxLimit?: number;
}

/** What a resource declares about its list call. */
export interface ListSpec {
  /** Filter names accepted in the query string (e.g. zones: name,type,email,status,description,ttl). */
  filters: readonly string[];
  /** Accepted sort_key values (default: created_at, id). */
  sortKeys?: readonly string[];
  /** sort_key when none is given (default created_at). */
  defaultSortKey?: string;
  /** Markers are ids of the last item; Designate ids are UUIDs (default 'uuid'). */
  marker?: 'uuid' | 'any';
}

export interface Filter {
  /** The value as sent. */
  value: string;
  /** True when the value holds `*`. */
  wildcard: boolean;
  /** SQL LIKE pattern: `*` → `%`, literal `%`, `_` and `\` escaped with `\`. */
  like: string;
  /** Case-sensitive match of a candidate, `*` matching any run of characters. */
  test(candidate: unknown): boolean;
}

export interface ListParams {
  limit: number;
  marker: string | null;
  sortKey: string;
  sortDir: 'asc' | 'desc';
  filters: Record<string, Filter>;
}

export const PAGING_PARAMS = ['limit', 'marker', 'sort_key', 'sort_dir'] as const;
/** Query parameters read into the request context, never filters. */
export const CONTEXT_PARAMS = ['all_projects', 'all_tenants', 'edit_managed_records'] as const;

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
export const isUuid = (s: string): boolean => UUID.test(s);

function makeFilter(value: string): Filter {
  const wildcard = value.includes('*');
  const like = value.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%');
  const re = wildcard ? new RegExp(`^${value.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's') : null;
  return {
    value,
    wildcard,
    like,
    test: (candidate) => {
      const s = candidate == null ? '' : String(candidate);
      return re ? re.test(s) : s === value;
    },
  };
}

export function parseListParams(query: URLSearchParams, spec: ListSpec, options: PagingOptions = {}): ListParams {
  const defaultLimit = options.defaultLimit ?? 20;
  const maxLimit = options.maxLimit ?? 1000;
  const sortKeys = spec.sortKeys ?? ['created_at', 'id'];

  const seen = new Set<string>();
  const duplicates = new Set<string>();
  const invalid: string[] = [];
  for (const key of query.keys()) {
    if (seen.has(key)) duplicates.add(key);
    seen.add(key);
  }
  for (const key of seen) {
    if ((PAGING_PARAMS as readonly string[]).includes(key) || (CONTEXT_PARAMS as readonly string[]).includes(key)) continue;
    if (!spec.filters.includes(key)) invalid.push(key);
  }
  if (invalid.length) throw Errors.badRequest(`Invalid filters ${invalid.join(', ')}`);
  if (duplicates.size) throw Errors.badRequest(`Duplicate filters ${[...duplicates].join(', ')}`);

  let limit = defaultLimit;
  const rawLimit = query.get('limit');
  if (rawLimit !== null && rawLimit !== '') {
    if (rawLimit === 'max') limit = maxLimit;
    else {
      const n = /^\d+$/.test(rawLimit) ? Number(rawLimit) : NaN;
      if (!Number.isSafeInteger(n) || n < 1 || n > maxLimit) {
        throw Errors.invalidLimit(`limit should be an integer between 1 and ${maxLimit}, or "max"`);
      }
      limit = n;
    }
  }

  const marker = query.get('marker') || null;
  if (marker !== null && (spec.marker ?? 'uuid') === 'uuid' && !isUuid(marker)) {
    throw Errors.invalidMarker('marker must be a valid UUID');
  }

  const sortDir = query.get('sort_dir') || 'asc';
  if (sortDir !== 'asc' && sortDir !== 'desc') throw Errors.invalidSortDir("Unknown sort direction, must be 'desc' or 'asc'");
  const sortKey = query.get('sort_key') || spec.defaultSortKey || 'created_at';
  if (!sortKeys.includes(sortKey)) throw Errors.invalidSortKey(`sort key must be one of ${sortKeys.join(', ')}`);

  const filters: Record<string, Filter> = {};
  for (const name of spec.filters) {
    const v = query.get(name);
    if (v !== null) filters[name] = makeFilter(v);
  }
  return { limit, marker, sortKey, sortDir, filters };
}

export interface ListEnvelopeInput {
  /** Link base without trailing slash. */
  baseUrl: string;
  /** Request path (normalised, no query). */
  path: string;
  query: URLSearchParams;
  params: ListParams;
  totalCount: number;
}

/**
 * `{ "<collection>": items, "links": { self, next? }, "metadata": { total_count } }`.
 * `next` appears whenever the page is full (len == limit), as Designate does, even on an exactly-full last page.
 */
export function listEnvelope<T extends { id: string }>(collection: string, items: T[], input: ListEnvelopeInput): Record<string, unknown> {
  const href = (q: URLSearchParams) => {
    const qs = q.toString();
    return `${input.baseUrl}${input.path}${qs ? `?${qs}` : ''}`;
  };
  const links: Record<string, string> = { self: href(input.query) };
  if (items.length > 0 && items.length === input.params.limit) {
    const next = new URLSearchParams(input.query);
    next.set('marker', items[items.length - 1].id);
    links.next = href(next);
  }
  return { [collection]: items, links, metadata: { total_count: input.totalCount } };
}
