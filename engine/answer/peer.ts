// Where a request came from, resolved only when an answer depends on it (a NOTIFY must come from a zone's
// primary): the common path never formats an address. Each listener keeps one and updates it per request.
export interface PeerSource {
  address(): string;
}

/** A peer whose address is already a string (dgram's rinfo, a TCP socket's remoteAddress). */
export class KnownPeer implements PeerSource {
  current = '';

  address(): string {
    return this.current;
  }
}

/** An IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d; the plain address compares with configured ones. */
export function unmappedAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
