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
  // The API shows the message only, so it names the field: which of several masters is wrong.
  if (!isIP(host) && !/^[A-Za-z0-9.-]+$/.test(host)) throw Refuse.invalidObject(`${field}: '${text}' is not a host or address`, field);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw Refuse.invalidObject(`${field}: '${text}' has an invalid port`, field);
  return { host, port };
}

/**
 * The masters of a SECONDARY zone, as given at create or PATCH: at least one, none twice (zone_masters is unique
 * per host and port, and MySQL compares hosts without case).
 */
export function parseMasters(texts: readonly string[]): HostPort[] {
  if (texts.length === 0) throw Refuse.invalidObject('masters must list at least one server for a SECONDARY zone', 'masters');
  const seen = new Set<string>();
  return texts.map((text, i) => {
    const master = parseRemote(text, `masters[${i}]`);
    const key = `${master.host.toLowerCase()} ${master.port}`;
    if (seen.has(key)) throw Refuse.invalidObject(`masters[${i}]: '${text}' is listed twice`, `masters[${i}]`);
    seen.add(key);
    return master;
  });
}

/** Designate's rendering: the host alone when the port is 53. */
export function formatRemote(remote: HostPort): string {
  if (remote.port === 53) return remote.host;
  return isIP(remote.host) === 6 ? `[${remote.host}]:${remote.port}` : `${remote.host}:${remote.port}`;
}
