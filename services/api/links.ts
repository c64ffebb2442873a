// The base URL of every link in a response: `[service:api] api_base_uri`, or the request's own host when
// `enable_host_header` is on (webob `request.host_url`), which in turn honours X-Forwarded-Proto/-Host and
// RFC 7239 Forwarded only when `[oslo_middleware] enable_proxy_headers_parsing` is on (HTTPProxyToWSGI).
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export interface LinkOptions {
  /** `[service:api] api_base_uri`; may carry a path prefix (http://dns.example.com/dns). */
  apiBaseUri?: string;
  /** `[service:api] enable_host_header` (Designate default: true). */
  enableHostHeader?: boolean;
  /** `[oslo_middleware] enable_proxy_headers_parsing` (default: false). */
  enableProxyHeadersParsing?: boolean;
}

export const DEFAULT_API_BASE_URI = 'http://127.0.0.1:9001/';

const first = (v: string | string[] | undefined): string | undefined => {
  const s = Array.isArray(v) ? v[0] : v;
  return s?.split(',')[0]?.trim() || undefined;
};

function parseForwarded(value: string | undefined): { proto?: string; host?: string } {
  // Only the first (closest to the client) element, as oslo does.
  const out: { proto?: string; host?: string } = {};
  if (!value) return out;
  for (const pair of value.split(',')[0].split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const k = pair.slice(0, eq).trim().toLowerCase();
    const v = pair.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    if (k === 'proto') out.proto = v;
    else if (k === 'host') out.host = v;
  }
  return out;
}

const SAFE_HOST = /^[A-Za-z0-9.\-_~%]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;
const SAFE_PROTO = /^https?$/i;

/** Link base without a trailing slash. */
export function linkBase(req: IncomingMessage, options: LinkOptions = {}): string {
  const fallback = (options.apiBaseUri ?? DEFAULT_API_BASE_URI).replace(/\/+$/, '');
  if (!(options.enableHostHeader ?? true)) return fallback;
  let proto = (req.socket as TLSSocket).encrypted ? 'https' : 'http';
  let host = req.headers.host;
  if (options.enableProxyHeadersParsing) {
    const fwd = parseForwarded(first(req.headers.forwarded));
    const fProto = fwd.proto ?? first(req.headers['x-forwarded-proto']);
    const fHost = fwd.host ?? first(req.headers['x-forwarded-host']);
    if (fProto && SAFE_PROTO.test(fProto)) proto = fProto.toLowerCase();
    if (fHost && SAFE_HOST.test(fHost)) host = fHost;
  }
  // Without a usable Host (HTTP/1.0, or garbage) the configured base is the only honest answer.
  if (!host || !SAFE_HOST.test(host)) return fallback;
  return `${proto}://${host}`;
}
