// `HOST:PORT` as Designate's `[service:mdns] listen` writes it; IPv6 hosts in brackets (`[::1]:5354`).
import { isIP } from 'node:net';

export interface Endpoint {
  host: string;
  port: number;
}

/** `what` names the address in errors: a listen address, a NOTIFY target, a primary. */
export function parseEndpoint(text: string, defaultPort = 5354, what = 'listen address'): Endpoint {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:]+)(?::(\d+))?$/.exec(text);
  if (!m) throw new Error(`${what} '${text}' is not HOST:PORT (IPv6 as [ADDR]:PORT)`);
  const host = m[1];
  const port = m[2] === undefined ? defaultPort : Number(m[2]);
  if (isIP(host) === 0 && host !== 'localhost') throw new Error(`${what} '${text}': '${host}' is not an IP address`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${what} '${text}': bad port`);
  return { host, port };
}

export function formatEndpoint(e: Endpoint): string {
  return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}
