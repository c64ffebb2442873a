// A pool target's control channel (Designate's backend plugins): the worker creates a secondary zone on the
// target, pulling from the pool's masters (the mdns instances), and deletes it again. Changes in between
// travel by NOTIFY and IXFR, not through the backend. Both calls are idempotent: creating a zone the target
// already has, or deleting one it lacks, succeeds, so a retried or repeated call is harmless.
import type { HostPort } from '../storage/storage.ts';

export interface Backend {
  /** The target serves `zone` (absolute name) as a secondary of the target's masters. */
  createZone(zone: string): Promise<void>;
  /** The target no longer serves `zone`. */
  deleteZone(zone: string): Promise<void>;
  /**
   * The target checks its masters for `zone` now: the worker's nudge for a nameserver that put a NOTIFY off
   * (Knot by up to a second, PowerDNS by its one-second secondary loop).
   */
  refreshZone?(zone: string): Promise<void>;
}

/** A pool target as the worker reads it: its type, the masters it pulls from, its options (pools.yaml). */
export interface BackendTarget {
  type: string;
  masters: HostPort[];
  options: Record<string, string>;
  /**
   * The target's TSIG key (pools.yaml `tsigkey_id`): the target signs its transfers from the masters with it.
   * bind9 and pdns4 name it (the server must define it); knot2 defines it through knotc.
   */
  tsigKey?: { name: string; algorithm: string; secret: string } | null;
}

/** The target refused or did not answer; `message` says which call and what the target said. */
export class BackendError extends Error {
  override name = 'BackendError';
}
