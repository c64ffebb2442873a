// Rendezvous (highest random weight) hashing: which memcached server holds a key. Every server scores every
// key and the highest score wins, so adding or losing one of n servers moves only the keys it wins or won
// (about 1/n), where memjs's own `hash % n` moves almost all of them. A key's later-ranked servers are where
// it goes when the first is out.
import { createHash } from 'node:crypto';

/** A 32-bit score of (server, key): the first word of their MD5, well mixed, and cheap next to a network trip. */
function score(server: string, key: string): number {
  return createHash('md5').update(server).update('\0').update(key).digest().readUInt32BE(0);
}

/** The servers in the order `key` prefers them: the first holds it, the next takes it when the first is out. */
export function rank(key: string, servers: readonly string[]): string[] {
  return servers
    .map((server) => ({ server, weight: score(server, key) }))
    .sort((a, b) => b.weight - a.weight || (a.server < b.server ? -1 : 1))
    .map((s) => s.server);
}
