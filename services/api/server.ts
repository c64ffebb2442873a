// The Designate v2 HTTP front: routing, request ids, auth context, JSON bodies, errors, links, versions, healthcheck.
// Resource handlers (zones, recordsets, …) are registered with `route()` and speak only ApiRequest/ApiResponse.
import { randomUUID } from 'node:crypto';
import { access } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withDeadline } from '../deadline.ts';
import { createLogger, type Logger } from '../log.ts';
import { createAuthenticator, type AuthOptions, type RequestContext } from './auth.ts';
import type { ApiMetrics } from './metrics.ts';
import { DEFAULT_BODY_LIMIT, readBody } from './body.ts';
import { ApiError, Errors } from './errors.ts';
import { linkBase, type LinkOptions } from './links.ts';
import { isUuid, listEnvelope, parseListParams, type ListParams, type ListSpec, type PagingOptions } from './paging.ts';
import { Router } from './router.ts';

export { ApiError, Errors } from './errors.ts';
export type { RequestContext, AuthOptions, KeystoneOptions } from './auth.ts';
export type { LinkOptions } from './links.ts';
export type { ListParams, ListSpec, PagingOptions, Filter } from './paging.ts';

export interface ApiServerOptions {
  /** `[service:api] auth_strategy` (default noauth here; Designate defaults to keystone). */
  auth?: AuthOptions;
  /** api_base_uri, enable_host_header, enable_proxy_headers_parsing. */
  links?: LinkOptions;
  /** default_limit_v2, max_limit_v2. */
  paging?: PagingOptions;
  /** Largest accepted request body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** oslo healthcheck `disable_by_file_path`: /healthcheck answers 503 while this file exists. */
  healthcheckDisableFile?: string;
  /**
   * What /healthcheck checks beyond the file (central and its database): resolves with its reasons, rejects
   * saying what failed. Bounded by HEALTHCHECK_DEADLINE_MS.
   */
  healthCheck?: () => Promise<string[]>;
  /** Prometheus metrics of the requests, served at /metrics (outside the auth pipeline, as /healthcheck). */
  metrics?: ApiMetrics;
  /** `[service:api] maintenance_mode`: 503 + Retry-After: 60 unless the caller holds maintenanceModeRole. */
  maintenanceMode?: boolean;
  maintenanceModeRole?: string;
  logger?: Logger;
  routes?: readonly RouteDefinition[];
  /** Turns the errors of the services behind the API (central, storage) into API errors; null: not one of ours. */
  mapError?: (err: unknown) => ApiError | null;
}

/** The longest /healthcheck waits for its checks: a load balancer's probe must get an answer. */
const HEALTHCHECK_DEADLINE_MS = 3000;

/** /healthcheck's verdict: disabled by file, or what the checks say. */
async function healthOf(options: ApiServerOptions): Promise<{ ok: boolean; reasons: string[] }> {
  if (options.healthcheckDisableFile && (await access(options.healthcheckDisableFile).then(() => true, () => false))) {
    return { ok: false, reasons: ['DISABLED BY FILE'] };
  }
  if (!options.healthCheck) return { ok: true, reasons: ['OK'] };
  try {
    const reasons = await withDeadline(options.healthCheck(), HEALTHCHECK_DEADLINE_MS, () => new Error(`no answer within ${HEALTHCHECK_DEADLINE_MS} ms`));
    return { ok: true, reasons: ['OK', ...reasons] };
  } catch (err) {
    return { ok: false, reasons: [`FAILED: ${(err as Error).message}`] };
  }
}

export interface RouteOptions {
  /** Path parameters that must be UUIDs (else 400 invalid_uuid), e.g. ['zone_id']. */
  uuidParams?: readonly string[];
  /** Accepted request media types (default ['application/json']); non-JSON bodies arrive in rawBody only. */
  bodyTypes?: readonly string[];
  /**
   * The route takes no body (task calls such as tasks/abandon): whatever a client sends is read and dropped,
   * whatever its Content-Type, as Designate's handlers that never read one do (tempest sends `null` untyped).
   */
  ignoresBody?: boolean;
}

export interface RouteDefinition extends RouteOptions {
  method: string;
  pattern: string;
  handler: ApiHandler;
}

export interface ApiRequest {
  method: string;
  /** Normalised path (trailing slashes removed), no query. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  requestId: string;
  context: RequestContext;
  /** Parsed JSON body for POST/PUT/PATCH with application/json; undefined when there was no body. */
  body: unknown;
  rawBody: Buffer | null;
  mediaType: string | null;
  /** Link base, no trailing slash (api_base_uri or the Host header, see LinkOptions). */
  baseUrl: string;
  /** baseUrl + path, for `links.self` of single resources. */
  url(path: string): string;
  /** Parses limit/marker/sort_key/sort_dir/filters against the resource's declaration (400 on anything wrong). */
  listParams(spec: ListSpec): ListParams;
  /** The list envelope with links.self/next and metadata.total_count. */
  listResponse<T extends { id: string }>(collection: string, items: T[], params: ListParams, totalCount: number): ApiResponse;
  log: Logger;
}

export interface ApiResponse {
  /** Default 200, or 204 when there is no body. */
  status?: number;
  /** JSON-serialised unless a Buffer/string (then sent as is; set content-type in headers). */
  body?: unknown;
  headers?: Record<string, string | number>;
}

export type ApiHandler = (req: ApiRequest) => ApiResponse | Promise<ApiResponse>;

export interface ApiServer {
  route(method: string, pattern: string, handler: ApiHandler, options?: RouteOptions): void;
  /** The node:http request listener, for embedding or tests. */
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
  listen(host: string, port: number): Promise<{ port: number }>;
  close(): Promise<void>;
}

interface Registered {
  handler: ApiHandler;
  options: RouteOptions;
  /** As registered (`/v2/zones/:zone_id`): the route's name in metrics. */
  pattern: string;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const JSON_TYPE = 'application/json; charset=UTF-8';
/** After an early answer (413/415/…) the unread rest of the body is discarded for at most this long. */
const DRAIN_GRACE_MS = 5_000;

// A flat list, v2 and v2.0 aliases of the base API, as Designate 15 (Zed) lists them. Later releases add
// v2.1 to v2.4, but clients of Zed's time (Debian's designate-tempest-plugin 0.14.0) accept only v1, v2 and
// v2.0, and nothing here depends on a microversion.
const VERSIONS: readonly { id: string; status: string; updated: string }[] = [
  { id: 'v2', status: 'SUPPORTED', updated: '2022-06-29T00:00:00Z' },
  { id: 'v2.0', status: 'CURRENT', updated: '2022-06-29T00:00:00Z' },
];

export function versionsDocument(baseUrl: string): Record<string, unknown> {
  return {
    versions: VERSIONS.map((v) => ({
      ...v,
      links: [
        { href: `${baseUrl}/v2`, rel: 'self' },
        { href: 'https://docs.openstack.org/api-ref/dns', rel: 'help' },
      ],
    })),
  };
}

export function normalisePath(rawUrl: string): { path: string; query: URLSearchParams } {
  const q = rawUrl.indexOf('?');
  let path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
  // NormalizeURIMiddleware: trailing slashes are stripped (most paths have nothing to strip).
  if (path.includes('//') || (path.length > 1 && path.endsWith('/')) || path === '') {
    path = path.replace(/\/{2,}/g, '/');
    if (path.length > 1) path = path.replace(/\/+$/, '');
    if (path === '') path = '/';
  }
  return { path, query };
}

export function createApiServer(options: ApiServerOptions = {}): ApiServer {
  const log = options.logger ?? createLogger('api');
  const router = new Router<Registered>();
  const auth = createAuthenticator(options.auth ?? { strategy: 'noauth' });
  const maxBody = options.maxBodyBytes ?? DEFAULT_BODY_LIMIT;
  const linkOptions = options.links ?? {};
  let server: Server | null = null;

  const route = (method: string, pattern: string, handler: ApiHandler, routeOptions: RouteOptions = {}) =>
    router.add(method, pattern, { handler, options: routeOptions, pattern });
  for (const r of options.routes ?? []) route(r.method, r.pattern, r.handler, r);

  function send(req: IncomingMessage, res: ServerResponse, requestId: string, out: ApiResponse): void {
    if (res.headersSent) return;
    let status = out.status ?? (out.body === undefined ? 204 : 200);
    const headers: Record<string, string | number> = { 'x-openstack-request-id': requestId };
    for (const [k, v] of Object.entries(out.headers ?? {})) headers[k.toLowerCase()] = v;
    let payload: Buffer | string | undefined;
    if (out.body !== undefined && status !== 204 && status !== 304) {
      if (typeof out.body === 'string' || Buffer.isBuffer(out.body)) {
        payload = out.body;
        headers['content-type'] ??= 'text/plain; charset=UTF-8';
      } else {
        payload = JSON.stringify(out.body);
        headers['content-type'] ??= JSON_TYPE;
      }
      headers['content-length'] = Buffer.byteLength(payload);
    } else if (status !== 204 && status !== 304) headers['content-length'] = 0;
    if (!Number.isInteger(status) || status < 100 || status > 599) status = 500;
    // A body we did not read to the end: answer now, then close rather than parse the rest as a next request.
    const unread = !req.complete;
    if (unread) headers.connection = 'close';
    res.writeHead(status, headers);
    res.end(req.method === 'HEAD' ? undefined : payload);
    if (unread) {
      res.once('finish', () => {
        req.resume(); // discard, never buffer
        const timer = setTimeout(() => req.socket.destroy(), DRAIN_GRACE_MS);
        timer.unref();
        req.socket.once('close', () => clearTimeout(timer));
      });
    }
  }

  function sendError(req: IncomingMessage, res: ServerResponse, requestId: string, err: unknown, reqLog: () => Logger): number {
    let apiError: ApiError;
    const mapped = err instanceof ApiError ? err : (options.mapError?.(err) ?? null);
    if (mapped) apiError = mapped;
    else {
      reqLog().error({ err, request_id: requestId }, 'unhandled error in API request');
      apiError = Errors.unknown();
    }
    send(req, res, requestId, { status: apiError.status, body: apiError.toBody(requestId), headers: apiError.headers });
    return apiError.status;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = `req-${randomUUID()}`;
    const started = performance.now();
    // The request's child logger is made only when something logs through it: at the usual levels most
    // requests log nothing, and a pino child per request is a measurable share of a small GET.
    let child: Logger | null = null;
    const reqLog = (): Logger => (child ??= log.child({ request_id: requestId }));
    const method = (req.method ?? 'GET').toUpperCase();
    let status = 500;
    /** The metrics label: the matched route pattern, never the path itself. */
    let routeLabel = 'unmatched';
    try {
      const { path, query } = normalisePath(req.url ?? '/');
      const baseUrl = linkBase(req, linkOptions);

      // Outside the auth pipeline, as in Designate's api-paste.ini.
      if (path === '/metrics' && options.metrics) {
        routeLabel = path;
        if (method !== 'GET' && method !== 'HEAD') throw Errors.methodNotAllowed(['GET', 'HEAD']);
        const { text, contentType } = await options.metrics.scrape();
        status = 200;
        send(req, res, requestId, { status, body: text, headers: { 'content-type': contentType } });
        return;
      }
      if (path === '/' || path === '/healthcheck') {
        routeLabel = path;
        if (method !== 'GET' && method !== 'HEAD') throw Errors.methodNotAllowed(['GET', 'HEAD']);
        if (path === '/') {
          status = 200;
          send(req, res, requestId, { status, body: versionsDocument(baseUrl) });
        } else {
          const health = await healthOf(options);
          status = health.ok ? 200 : 503;
          // oslo.middleware's healthcheck: plain reasons, or {"detailed": false, "reasons": [...]} for JSON.
          const json = (req.headers.accept ?? '').includes('application/json');
          send(req, res, requestId, { status, body: json ? { detailed: false, reasons: health.reasons } : health.reasons.join('\n') });
        }
        return;
      }

      const context = await auth.authenticate(requestId, req.headers, query);
      if (options.maintenanceMode && !context.roles.includes(options.maintenanceModeRole ?? 'admin')) {
        throw new ApiError(503, 'maintenance', 'API is currently in maintenance mode', { headers: { 'retry-after': '60' } });
      }

      const found = router.find(method, path);
      if (found.kind === 'not_found') throw Errors.notFound('The resource could not be found.');
      if (found.kind === 'method_not_allowed') throw Errors.methodNotAllowed(found.allow);
      const { handler, options: routeOptions, pattern } = found.match.handler;
      routeLabel = pattern;
      const params = found.match.params;
      for (const name of routeOptions.uuidParams ?? []) {
        if (params[name] !== undefined && !isUuid(params[name])) throw Errors.invalidUuid(`Invalid UUID ${name}: ${params[name]}`);
      }

      let body: unknown;
      let rawBody: Buffer | null = null;
      let mediaType: string | null = null;
      if (routeOptions.ignoresBody) req.resume();
      else if (BODY_METHODS.has(method)) {
        const read = await readBody(req, maxBody, routeOptions.bodyTypes ?? ['application/json']);
        body = read.json;
        rawBody = read.raw;
        mediaType = read.mediaType;
      }

      const apiReq: ApiRequest = {
        method,
        path,
        params,
        query,
        headers: req.headers,
        requestId,
        context,
        body,
        rawBody,
        mediaType,
        baseUrl,
        url: (p) => `${baseUrl}${p.startsWith('/') ? p : `/${p}`}`,
        listParams: (spec) => parseListParams(query, spec, options.paging),
        listResponse: (collection, items, listParams, totalCount) => ({
          status: 200,
          body: listEnvelope(collection, items, { baseUrl, path, query, params: listParams, totalCount }),
        }),
        get log() {
          return reqLog();
        },
      };
      const out = await handler(apiReq);
      if (out === null || typeof out !== 'object') throw new TypeError(`handler for ${method} ${path} returned ${String(out)}`);
      status = out.status ?? (out.body === undefined ? 204 : 200);
      send(req, res, requestId, out);
    } catch (err) {
      status = sendError(req, res, requestId, err, reqLog);
    } finally {
      options.metrics?.observe(method, routeLabel, status, (performance.now() - started) / 1000);
      if (log.isLevelEnabled('info')) {
        reqLog().info({ method, url: req.url, status, ms: Math.round(performance.now() - started) }, 'api request');
      }
    }
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    res.on('error', () => {}); // a client that went away is not our failure
    handle(req, res).catch((err) => log.error({ err }, 'API request failed while answering'));
  };

  return {
    route,
    listener,
    listen(host, port) {
      return new Promise((resolve, reject) => {
        const s = createServer({ requestTimeout: 60_000 }, listener);
        s.once('error', reject);
        s.listen(port, host, () => {
          s.off('error', reject);
          server = s;
          resolve({ port: (s.address() as AddressInfo).port });
        });
      });
    },
    close() {
      const s = server;
      server = null;
      if (!s) return Promise.resolve();
      return new Promise((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    },
  };
}
