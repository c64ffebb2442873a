// Zone masters as the API writes them: `host` (port 53) or `host:port`, IPv6 as `[2001:db8::1]:5354` or bare.
import { isIP } from 'node:net';
import type { HostPort } from '../storage/storage.ts';
import { Refuse } from './errors.ts';

export function parseRemote(text: string, field: string): HostPort {
  let host = text;
  let port = 53;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1];
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if (isIP(text) !== 6) {
    const colon = text.lastIndexOf(':');
    if (colon >= 0) {
      host = text.slice(0, colon);
      port = /^\d+$/.test(text.slice(colon + 1)) ? Number(text.slice(colon + 1)) : NaN;
    }
  }
  if (!isIP(host) && !/^[A-Za-z0-9.-]+$/.test(host)) throw Refuse.invalidObject(`'${text}' is not a host or address`, field);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw Refuse.invalidObject(`'${text}' has an invalid port`, field);
  return { host, port };
}

/** Designate's rendering: the host alone when the port is 53. */
export function formatRemote(remote: HostPort): string {
  if (remote.port === 53) return remote.host;
  return isIP(remote.host) === 6 ? `[${remote.host}]:${remote.port}` : `${remote.host}:${remote.port}`;
}
