// Method + path-pattern routing: `/v2/zones/:zone_id/recordsets/:recordset_id`.
// A path that matches some pattern under another method is a 405 (with Allow), otherwise 404.

export interface Match<H> {
  handler: H;
  params: Record<string, string>;
}

interface Route<H> {
  method: string;
  pattern: string;
  segments: string[];
  handler: H;
}

export type RouteResult<H> = { kind: 'found'; match: Match<H> } | { kind: 'method_not_allowed'; allow: string[] } | { kind: 'not_found' };

export class Router<H> {
  readonly #routes: Route<H>[] = [];

  add(method: string, pattern: string, handler: H): void {
    if (!pattern.startsWith('/')) throw new Error(`route pattern must start with "/": ${pattern}`);
    const segments = pattern.split('/').slice(1);
    const m = method.toUpperCase();
    if (this.#routes.some((r) => r.method === m && r.pattern === pattern)) throw new Error(`duplicate route ${m} ${pattern}`);
    this.#routes.push({ method: m, pattern, segments, handler });
  }

  /** `path` must be normalised (no trailing slash except "/"). */
  find(method: string, path: string): RouteResult<H> {
    const parts = path.split('/').slice(1);
    const allow = new Set<string>();
    let best: { route: Route<H>; params: Record<string, string>; score: number } | null = null;
    const m = method === 'HEAD' ? 'GET' : method;
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      allow.add(route.method);
      if (route.method !== m) continue;
      // Literal segments win over parameters: /v2/zones/tasks/imports before /v2/zones/:zone_id/...
      const score = route.segments.filter((s) => !s.startsWith(':')).length;
      if (!best || score > best.score) best = { route, params, score };
    }
    if (best) return { kind: 'found', match: { handler: best.route.handler, params: best.params } };
    if (allow.size) {
      if (allow.has('GET')) allow.add('HEAD');
      return { kind: 'method_not_allowed', allow: [...allow].sort() };
    }
    return { kind: 'not_found' };
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p.startsWith(':')) {
      if (parts[i] === '') return null;
      let v: string;
      try {
        v = decodeURIComponent(parts[i]);
      } catch {
        return null;
      }
      params[p.slice(1)] = v;
    } else if (p !== parts[i]) return null;
  }
  return params;
}
