// Which zones a question may see, and the check that what it is answered from is what Designate's database
// holds now. The worker NOTIFYs a target right after central commits, and the target asks for the SOA
// within milliseconds: an older serial then leaves the zone in ERROR for minutes. So every question waits
// for one check of its candidate zones' (id, serial, version), and for a rebuild when they changed; except
// an AXFR of a primary zone, which is sent from the rebuild's read as the records arrive.
//
// Checks run in rounds, one statement each (two for signed questions: their keys are read first). A
// question joins only a round that starts after it arrived, never one already running, which may have read
// before a commit the question depends on; questions arriving together share one. A round that does not
// finish within `checkTimeoutMs` (a stalled or unreachable database) lets its questions be answered from the
// versions compiled, logged; one with nothing compiled gets SERVFAIL.
//
// Scoping as designate-mdns's: an unsigned question sees the default pool ([service:central]
// default_pool_id); a POOL-scoped key its pool; a ZONE-scoped key its zone, in whatever pool that is.
import { HEADER_SIZE, Opcode, Rcode, Type } from '../../engine/codec/constants.ts';
import { nameToText } from '../../engine/codec/name.ts';
import { ParseStatus, Query, parseQuery } from '../../engine/codec/query.ts';
import type { Route, Router } from '../../engine/net/router.ts';
import type { Logger } from '../log.ts';
import type { ZoneReader, ZoneRow } from './reader.ts';
import type { PoolScope, ServedZones } from './served-zones.ts';
import { FixedRcode } from './fixed-rcode.ts';
import type { SecondaryNotifies } from './secondary-notify.ts';
import type { DesignateKeys } from './tsig-keys.ts';

export interface RouterOptions {
  /** [service:central] default_pool_id, as stored (32 hex digits). */
  defaultPoolId: string;
  /** [service:mdns] query_enforce_tsig: unsigned questions are refused. */
  enforceTsig: boolean;
  /** How long a question waits for its check before the versions compiled answer it. */
  checkTimeoutMs: number;
  /** Rounds running at once: each holds a database connection. */
  maxRounds: number;
  /** Answers what no zone may answer (REFUSED): a handler over no zones. */
  refused: Route;
  /** NOTIFYs for SECONDARY zones. */
  notifies: SecondaryNotifies;
}

interface Question {
  msg: Uint8Array;
  qnameEnd: number;
  /** The question's name and each of its ancestors, lower case, absolute: the zones it could be in. */
  candidates: string[];
  /** The TSIG key's name (lower case, no final dot), or null when unsigned. */
  keyName: string | null;
  /** An AXFR over TCP: streamed from a rebuild's read rather than waiting for its compile. */
  axfr: boolean;
  resolve: (route: Route | null) => void;
  settled: boolean;
}

/** The name of the TSIG key signing `msg` (lower case, no final dot), or null when unsigned. */
function keyNameOf(msg: Uint8Array, q: Query): string | null {
  return q.tsigOffset < 0 || msg[q.tsigOffset] >= 0xc0 ? null : nameToText(msg, q.tsigOffset).toLowerCase().replace(/\.$/, '');
}

/** At most one line a minute about answers given without a check. */
const UNCHECKED_LOG_MS = 60_000;

export class DesignateRouter {
  readonly #served: ServedZones;
  readonly #reader: ZoneReader;
  readonly #keys: DesignateKeys;
  readonly #options: RouterOptions;
  readonly #log: Logger;
  readonly #q = new Query();
  readonly #servfail: Route = { handler: new FixedRcode(Rcode.SERVFAIL) };
  #waiting: Question[] = [];
  #rounds = 0;
  #scheduled = false;
  #uncheckedSince = 0;
  #uncheckedLogged = 0;
  /** Questions that waited for a check, rounds run, and answers given without a finished check. */
  readonly counts = { questions: 0, rounds: 0, unchecked: 0 };

  constructor(served: ServedZones, reader: ZoneReader, keys: DesignateKeys, options: RouterOptions, log: Logger) {
    this.#served = served;
    this.#reader = reader;
    this.#keys = keys;
    this.#options = options;
    this.#log = log;
  }

  readonly route: Router = (msg, peer, tcp) => {
    const q = this.#q;
    const status = parseQuery(msg, msg.length, q);
    const unsigned = q.tsigOffset < 0;
    if (status === ParseStatus.OK && q.opcode === Opcode.NOTIFY) return this.#notify(msg, q, peer);
    // Malformed requests and other opcodes are answered at once (FORMERR, NOTIMP): no zone is involved.
    if (status !== ParseStatus.OK || q.opcode !== Opcode.QUERY) return this.#served.scope(this.#options.defaultPoolId).route;
    if (unsigned && this.#options.enforceTsig) return this.#options.refused;
    const candidates: string[] = [];
    for (let p = HEADER_SIZE; msg[p] !== 0; p += msg[p] + 1) candidates.push(nameToText(msg, p).toLowerCase());
    const keyName = keyNameOf(msg, q);
    this.counts.questions++;
    return new Promise<Route | null>((resolve) => {
      this.#waiting.push({ msg, qnameEnd: q.qnameEnd, candidates, keyName, axfr: tcp && q.qtype === Type.AXFR, resolve, settled: false });
      this.#schedule();
    });
  };

  /** A NOTIFY's answer; a signed one's key is read first, so that the answer can be signed with it. */
  async #notify(msg: Uint8Array, q: Query, peer: string): Promise<Route> {
    const name = nameToText(msg, HEADER_SIZE);
    const keyName = keyNameOf(msg, q);
    if (keyName !== null) {
      try {
        await this.#keys.refresh(new Set([keyName]));
      } catch (err) {
        this.#log.warn({ zone: name, peer, key: keyName, err: (err as Error).message }, 'NOTIFY key not read: verified with the keys read before');
      }
    }
    return this.#options.notifies.route(name, peer);
  }

  /** Starts a round on the next turn of the event loop, so that the datagrams read together share it. */
  #schedule(): void {
    if (this.#scheduled || this.#rounds >= this.#options.maxRounds || this.#waiting.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (this.#rounds >= this.#options.maxRounds || this.#waiting.length === 0) return;
      const batch = this.#waiting;
      this.#waiting = [];
      this.#rounds++;
      this.counts.rounds++;
      void this.#round(batch).finally(() => {
        this.#rounds--;
        this.#schedule();
      });
    });
  }

  async #round(batch: Question[]): Promise<void> {
    const timer = setTimeout(() => this.#unchecked(batch, `no answer from the database within ${this.#options.checkTimeoutMs} ms`), this.#options.checkTimeoutMs);
    try {
      const keyNames = new Set<string>();
      for (const q of batch) if (q.keyName !== null) keyNames.add(q.keyName);
      if (keyNames.size > 0) await this.#keys.refresh(keyNames);
      const byPool = new Map<string, Set<string>>();
      const ids = new Set<string>();
      for (const q of batch) {
        const scope = this.#scopeOf(q);
        if (scope === null) continue;
        if ('zoneId' in scope) {
          ids.add(scope.zoneId);
          continue;
        }
        let names = byPool.get(scope.poolId);
        if (names === undefined) byPool.set(scope.poolId, names = new Set());
        for (const name of q.candidates) names.add(name);
      }
      const rows = await this.#reader.check(byPool, ids);
      clearTimeout(timer);
      for (const q of batch) this.#answer(q, rows);
    } catch (err) {
      clearTimeout(timer);
      this.#unchecked(batch, (err as Error).message);
    }
  }

  /** Where a question looks: its key's pool or zone, the default pool unsigned, or null (its key is unknown: BADKEY). */
  #scopeOf(q: Question): { poolId: string } | { zoneId: string } | null {
    if (q.keyName === null) return { poolId: this.#options.defaultPoolId };
    const scope = this.#keys.scopeOf(q.keyName);
    if (scope === null) return null;
    return scope.kind === 'zone' ? { zoneId: scope.zoneId } : { poolId: scope.poolId };
  }

  #answer(q: Question, rows: readonly ZoneRow[]): void {
    const scope = this.#scopeOf(q);
    // An unknown key: the handler answers BADKEY, from no zones.
    if (scope === null) return this.#settle(q, this.#options.refused, null);
    if ('zoneId' in scope) {
      const row = rows.find((r) => r.id === scope.zoneId);
      if (row === undefined || !q.candidates.includes(row.name)) return this.#settle(q, this.#options.refused, null);
      const pool = this.#served.scope(row.poolId);
      // The pool's table may hold a zone below the key's (compiled for other questions): not the key's to see.
      const own = () => (pool.table.find(q.msg, HEADER_SIZE, q.qnameEnd)?.text === row.name ? pool.route : this.#options.refused);
      return this.#settleAfter(q, pool, row, own, this.#served.reconcile(pool, [row.name], [row]));
    }
    const pool = this.#served.scope(scope.poolId);
    const wait = this.#served.reconcile(pool, q.candidates, rows);
    // Only a transfer needs its zone's row again: other questions skip the search.
    const row = q.axfr ? rows.find((r) => r.name === q.candidates[0] && r.poolId === pool.poolId) : undefined;
    this.#settleAfter(q, pool, row, pool.route, wait);
  }

  /**
   * Answers along `route` once `wait` (the rebuild of the question's zone) is over; but an AXFR of a primary
   * zone whose rebuild is reading the version checked streams from that read at once, the first message
   * long before the compile. Transfers of other zones, and any when no such read runs, wait.
   */
  #settleAfter(q: Question, pool: PoolScope, row: ZoneRow | undefined, route: Route | (() => Route), wait: Promise<void> | null): void {
    if (wait === null || !q.axfr || row === undefined || row.type !== 'PRIMARY' || row.name !== q.candidates[0]) return this.#settle(q, route, wait);
    void this.#served.pendingTransfer(pool, row).then((pending) => {
      if (pending === null) return this.#settle(q, route, wait);
      this.#settle(q, { handler: pool.route.handler, transfers: pool.route.transfers.withPending(pending) }, null);
      void this.#logged(wait);
    }, () => this.#settle(q, route, wait));
  }

  /** Answers along `route` (or what it says once `wait` is over) unless the question was answered already. */
  #settle(q: Question, route: Route | (() => Route), wait: Promise<void> | null): void {
    if (q.settled) return;
    const resolve = () => {
      if (q.settled) return;
      q.settled = true;
      q.resolve(typeof route === 'function' ? route() : route);
    };
    if (wait === null) return resolve();
    void this.#logged(wait).finally(resolve);
  }

  /** A rebuild, its failure logged (the version compiled keeps answering). */
  #logged(rebuild: Promise<void>): Promise<void> {
    return rebuild.catch((err: Error) => this.#log.error({ err: err.message }, 'zone rebuild failed'));
  }

  /** Answers the batch's unsettled questions from the versions compiled (SERVFAIL where none is). */
  #unchecked(batch: readonly Question[], reason: string): void {
    let count = 0;
    for (const q of batch) {
      if (q.settled) continue;
      q.settled = true;
      count++;
      const known = this.#scopeOf(q);
      const scope = known === null || 'zoneId' in known ? null : this.#served.scope(known.poolId);
      const zone = scope?.table.find(q.msg, HEADER_SIZE, q.qnameEnd) ?? null;
      q.resolve(scope !== null && zone !== null && zone.snapshot !== null ? scope.route : this.#servfail);
    }
    if (count === 0) return;
    this.counts.unchecked += count;
    this.#uncheckedSince += count;
    const now = Date.now();
    if (now - this.#uncheckedLogged < UNCHECKED_LOG_MS) return;
    this.#log.warn({ reason, questions: this.#uncheckedSince }, 'database check did not finish: answered from the versions compiled (SERVFAIL where none is)');
    this.#uncheckedLogged = now;
    this.#uncheckedSince = 0;
  }
}
