// `[DEFAULT] transport_url` as oslo.messaging reads it: `rabbit://user:pass@host1:5672,user:pass@host2:5672/vhost`.
// Several hosts are brokers of one cluster to fail over between; the virtual host is shared. An empty URL
// means the in-process transport.

export interface BrokerAddress {
  hostname: string;
  port: number;
  username: string;
  password: string;
}

export interface TransportUrl {
  scheme: 'rabbit' | 'amqp';
  hosts: BrokerAddress[];
  /** The RabbitMQ virtual host ('/' when the URL has no path). */
  vhost: string;
}

export class TransportUrlError extends Error {
  override name = 'TransportUrlError';
}

export function parseTransportUrl(url: string): TransportUrl {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(\/[^?#]*)?(?:\?[^#]*)?$/i.exec(url.trim());
  if (!m) throw new TransportUrlError(`transport_url '${redactTransportUrl(url)}' is not scheme://user:pass@host:port/vhost`);
  const scheme = m[1].toLowerCase();
  if (scheme !== 'rabbit' && scheme !== 'amqp') throw new TransportUrlError(`transport_url scheme '${scheme}' is not rabbit:// or amqp://`);
  const hosts = m[2].split(',').filter((h) => h !== '').map(parseHost);
  if (hosts.length === 0) throw new TransportUrlError('transport_url names no host');
  // oslo: the path is the vhost without its leading '/'; an empty path is the default vhost '/'.
  const path = m[3] === undefined || m[3] === '/' ? '' : decodeURIComponent(m[3].slice(1));
  return { scheme, hosts, vhost: path === '' ? '/' : path };
}

function parseHost(text: string): BrokerAddress {
  const at = text.lastIndexOf('@');
  const credentials = at >= 0 ? text.slice(0, at) : '';
  const hostPort = at >= 0 ? text.slice(at + 1) : text;
  const colon = credentials.indexOf(':');
  const username = decodeURIComponent(colon >= 0 ? credentials.slice(0, colon) : credentials) || 'guest';
  const password = colon >= 0 ? decodeURIComponent(credentials.slice(colon + 1)) : 'guest';
  const hp = /^(?:\[([^\]]+)\]|([^:]*))(?::(\d+))?$/.exec(hostPort);
  const hostname = hp?.[1] ?? hp?.[2] ?? '';
  if (!hp || hostname === '') throw new TransportUrlError(`transport_url host '${hostPort}' is not host[:port]`);
  const port = hp[3] === undefined ? 5672 : Number(hp[3]);
  if (port < 1 || port > 65535) throw new TransportUrlError(`transport_url port ${hp[3]} is out of range`);
  return { hostname, port, username, password };
}

/** The URL with passwords replaced, for logs. */
export function redactTransportUrl(url: string): string {
  return url.replace(/(\/\/|,)([^:@,/]*):[^@,/]*@/g, '$1$2:***@');
}
