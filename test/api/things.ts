// The toy resource the API tests register: /v2/things with list, get, create (and a few failure hooks).
import { randomUUID } from 'node:crypto';
import { ApiError, Errors, type ApiServer } from '../../services/api/server.ts';

export interface Thing {
  id: string;
  name: string;
  color: string;
  created_at: string;
}

export function thingIds(n: number): string[] {
  // Sortable UUIDs so id order is creation order.
  return Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`);
}

export function registerThings(api: ApiServer, things: Thing[]): void {
  const view = (base: string, t: Thing) => ({ ...t, links: { self: `${base}/v2/things/${t.id}` } });
  api.route('GET', '/v2/things', (req) => {
    const p = req.listParams({ filters: ['name', 'color'], sortKeys: ['created_at', 'id', 'name'] });
    let rows = things.filter((t) => Object.entries(p.filters).every(([k, f]) => f.test(t[k as keyof Thing])));
    rows.sort((a, b) => String(a[p.sortKey as keyof Thing]).localeCompare(String(b[p.sortKey as keyof Thing])) || a.id.localeCompare(b.id));
    if (p.sortDir === 'desc') rows.reverse();
    const total = rows.length;
    if (p.marker) {
      const at = rows.findIndex((t) => t.id === p.marker);
      if (at < 0) throw new ApiError(400, 'marker_not_found', `Marker ${p.marker} could not be found`);
      rows = rows.slice(at + 1);
    }
    return req.listResponse('things', rows.slice(0, p.limit).map((t) => view(req.baseUrl, t)), p, total);
  });
  api.route(
    'GET',
    '/v2/things/:thing_id',
    (req) => {
      const t = things.find((x) => x.id === req.params.thing_id);
      if (!t) throw Errors.notFound('Could not find Thing', 'thing_not_found');
      return { body: view(req.baseUrl, t) };
    },
    { uuidParams: ['thing_id'] },
  );
  api.route('POST', '/v2/things', (req) => {
    const b = req.body as { name?: unknown; color?: unknown } | undefined;
    if (!b || typeof b !== 'object' || typeof b.name !== 'string') {
      throw Errors.invalidObject('Provided object does not match schema', { errors: [{ path: ['name'], message: "'name' is a required property" }] });
    }
    if (things.some((t) => t.name === b.name)) throw Errors.conflict('duplicate_thing', 'Duplicate Thing');
    const t: Thing = { id: randomUUID(), name: b.name, color: String(b.color ?? 'none'), created_at: new Date().toISOString() };
    things.push(t);
    return { status: 201, body: view(req.baseUrl, t) };
  });
  // Echoes the request context, for the auth tests.
  api.route('GET', '/v2/whoami', (req) => ({ body: req.context }));
  api.route('GET', '/v2/boom', () => {
    throw new Error('secret internal detail');
  });
  api.route('POST', '/v2/echo', (req) => ({ body: { body: req.body, size: req.rawBody?.length ?? 0 } }));
}
