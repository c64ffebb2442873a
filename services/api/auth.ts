// Request context (designate.md §5.2): who is calling, and the Designate headers that change what they may do.
// `noauth` trusts headers; `keystone` validates X-Auth-Token with GET /v3/auth/tokens and caches the result.
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { LRUCache } from 'lru-cache';
import { isProjectId } from '../storage/storage.ts';
import { Errors } from './errors.ts';

export interface RequestContext {
  requestId: string;
  /** A valid incoming `X-OpenStack-Request-ID` (req-<uuid>) from the caller, else null. */
  globalRequestId: string | null;
  authStrategy: 'noauth' | 'keystone';
  authToken: string | null;
  userId: string | null;
  /** Effective project: the sudo project when X-Auth-Sudo-Project-ID was honoured. */
  projectId: string | null;
  /** The caller's own project (differs from projectId only under sudo). */
  originalProjectId: string | null;
  roles: string[];
  isAdmin: boolean;
  /** Keystone system scope ("all") when the token is system-scoped. */
  systemScope: string | null;
  allProjects: boolean;
  editManagedRecords: boolean;
  hardDelete: boolean;
  deleteShares: boolean;
  hideCounts: boolean;
}

export interface Identity {
  userId: string | null;
  projectId: string | null;
  roles: string[];
  systemScope: string | null;
}

export interface KeystoneOptions {
  /** Keystone endpoint, e.g. http://keystone:5000 or http://keystone:5000/v3 */
  url: string;
  /** Token of the API's own service user (keystonemiddleware's admin token). Without it the subject token validates itself. */
  serviceToken?: string | (() => Promise<string>);
  /** How long a validation result is reused (default 60 s, capped by the token's expires_at). */
  cacheTtlMs?: number;
  cacheMax?: number;
  timeoutMs?: number;
}

export type AuthOptions = { strategy: 'noauth' } | { strategy: 'keystone'; keystone: KeystoneOptions };

/** oslo strutils.bool_from_string */
export function boolFromString(value: string | undefined | null): boolean {
  return value != null && ['1', 't', 'true', 'on', 'y', 'yes'].includes(value.trim().toLowerCase());
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

const REQ_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function noauthIdentity(headers: IncomingHttpHeaders): Identity {
  const roles = (header(headers, 'x-roles') ?? 'admin').split(',').map((r) => r.trim()).filter(Boolean);
  return {
    userId: header(headers, 'x-auth-user-id') || 'noauth-user',
    projectId: header(headers, 'x-auth-project-id') || 'noauth-project',
    roles,
    systemScope: null,
  };
}

/** A project id the database can hold and a log can show: 1 to 36 printable ASCII characters, else 400. */
function checkProjectId(header: string, value: string): void {
  if (!isProjectId(value)) throw Errors.badRequest(`${header} must be 1 to 36 printable characters without spaces`);
}

/**
 * The Designate headers common to both strategies. All-projects, sudo, managed-record edits and hard
 * delete are admin-only policies in Designate (all_tenants, use_sudo, edit_managed_records, hard_delete): 403 otherwise.
 */
export function buildContext(
  requestId: string,
  strategy: 'noauth' | 'keystone',
  identity: Identity,
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
): RequestContext {
  const isAdmin = identity.roles.some((r) => r.toLowerCase() === 'admin');
  const incoming = header(headers, 'x-openstack-request-id');
  const allProjects =
    boolFromString(header(headers, 'x-auth-all-projects')) || boolFromString(query.get('all_projects')) || boolFromString(query.get('all_tenants'));
  const editManagedRecords = boolFromString(header(headers, 'x-designate-edit-managed-records')) || boolFromString(query.get('edit_managed_records'));
  const hardDelete = boolFromString(header(headers, 'x-designate-hard-delete'));
  const sudo = header(headers, 'x-auth-sudo-project-id') || header(headers, 'x-auth-sudo-tenant-id') || null;
  const deny = (what: string) => {
    if (!isAdmin) throw Errors.forbidden(`${what} requires the admin role`);
  };
  if (allProjects) deny('X-Auth-All-Projects');
  if (editManagedRecords) deny('X-Designate-Edit-Managed-Records');
  if (hardDelete) deny('X-Designate-Hard-Delete');
  if (sudo) deny('X-Auth-Sudo-Project-ID');
  if (identity.projectId !== null) checkProjectId('X-Auth-Project-ID', identity.projectId);
  if (sudo) checkProjectId('X-Auth-Sudo-Project-ID', sudo);
  return {
    requestId,
    globalRequestId: incoming && REQ_ID.test(incoming) ? incoming : null,
    authStrategy: strategy,
    authToken: header(headers, 'x-auth-token') ?? null,
    userId: identity.userId,
    projectId: sudo ?? identity.projectId,
    originalProjectId: identity.projectId,
    roles: identity.roles,
    isAdmin,
    systemScope: identity.systemScope,
    allProjects,
    editManagedRecords,
    hardDelete,
    deleteShares: boolFromString(header(headers, 'x-designate-delete-shares')),
    hideCounts: boolFromString(header(headers, 'openstack-dns-hide-counts')),
  };
}

type Cached = { ok: true; identity: Identity } | { ok: false };

interface KeystoneToken {
  token?: {
    expires_at?: string;
    user?: { id?: string };
    project?: { id?: string };
    system?: Record<string, unknown>;
    roles?: { name?: string }[];
  };
}

export class KeystoneValidator {
  readonly #base: string;
  readonly #opts: KeystoneOptions;
  readonly #cache: LRUCache<string, Cached>;
  readonly #pending = new Map<string, Promise<Cached>>();
  readonly #ttl: number;

  constructor(opts: KeystoneOptions) {
    this.#opts = opts;
    this.#base = opts.url.replace(/\/+$/, '').replace(/\/v3$/, '');
    this.#ttl = opts.cacheTtlMs ?? 60_000;
    this.#cache = new LRUCache<string, Cached>({ max: opts.cacheMax ?? 10_000, ttl: this.#ttl });
  }

  get wwwAuthenticate(): string {
    return `Keystone uri="${this.#base}"`;
  }

  /** Resolves the identity of a token, or throws 401 (invalid) / 503 (Keystone unreachable). */
  async validate(token: string | undefined): Promise<Identity> {
    if (!token) throw Errors.notAuthenticated('Authentication required', { 'www-authenticate': this.wwwAuthenticate });
    // Tokens are keyed by digest so the cache never holds bearer secrets.
    const key = createHash('sha256').update(token).digest('hex');
    let result = this.#cache.get(key);
    if (!result) {
      let pending = this.#pending.get(key);
      if (!pending) {
        pending = this.#fetch(token, key).finally(() => this.#pending.delete(key));
        this.#pending.set(key, pending);
      }
      result = await pending;
    }
    if (!result.ok) throw Errors.notAuthenticated('The request you have made requires authentication.', { 'www-authenticate': this.wwwAuthenticate });
    return result.identity;
  }

  async #fetch(token: string, key: string): Promise<Cached> {
    const st = this.#opts.serviceToken;
    const serviceToken = typeof st === 'function' ? await st() : (st ?? token);
    let res: Response;
    try {
      res = await fetch(`${this.#base}/v3/auth/tokens`, {
        method: 'GET',
        headers: { 'x-auth-token': serviceToken, 'x-subject-token': token, accept: 'application/json' },
        signal: AbortSignal.timeout(this.#opts.timeoutMs ?? 5_000),
      });
    } catch {
      throw Errors.serviceUnavailable('The identity service is unreachable');
    }
    if (res.status === 401 || res.status === 404) {
      await res.body?.cancel();
      const invalid: Cached = { ok: false };
      this.#cache.set(key, invalid);
      return invalid;
    }
    if (res.status !== 200 && res.status !== 203) {
      await res.body?.cancel();
      throw Errors.serviceUnavailable(`The identity service answered ${res.status}`);
    }
    let body: KeystoneToken;
    try {
      body = (await res.json()) as KeystoneToken;
    } catch {
      throw Errors.serviceUnavailable('The identity service sent an unreadable token');
    }
    const t = body.token ?? {};
    const identity: Identity = {
      userId: t.user?.id ?? null,
      projectId: t.project?.id ?? null,
      roles: (t.roles ?? []).map((r) => r.name ?? '').filter(Boolean),
      systemScope: t.system && t.system.all ? 'all' : null,
    };
    const expires = t.expires_at ? Date.parse(t.expires_at) - Date.now() : this.#ttl;
    if (!(expires > 0)) {
      const invalid: Cached = { ok: false };
      this.#cache.set(key, invalid);
      return invalid;
    }
    const result: Cached = { ok: true, identity };
    this.#cache.set(key, result, { ttl: Math.min(this.#ttl, expires) });
    return result;
  }
}

export interface Authenticator {
  authenticate(requestId: string, headers: IncomingHttpHeaders, query: URLSearchParams): Promise<RequestContext>;
}

export function createAuthenticator(options: AuthOptions): Authenticator {
  if (options.strategy === 'noauth') {
    return {
      async authenticate(requestId, headers, query) {
        return buildContext(requestId, 'noauth', noauthIdentity(headers), headers, query);
      },
    };
  }
  const keystone = new KeystoneValidator(options.keystone);
  return {
    async authenticate(requestId, headers, query) {
      const identity = await keystone.validate(header(headers, 'x-auth-token'));
      // Designate's KeystoneContextMiddleware: a token without a project is refused unless system-scoped.
      if (!identity.projectId && !identity.systemScope) throw Errors.missingProjectId();
      return buildContext(requestId, 'keystone', identity, headers, query);
    },
  };
}
