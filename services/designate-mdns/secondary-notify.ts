// A NOTIFY for a SECONDARY zone, as designate-mdns handles it: the zone is looked up by name in every pool
// (a NOTIFY carries no key that would say which), the one whose masters include the sender is meant
// (NOTAUTH when no SECONDARY zone has the name, REFUSED when none lists the sender), and when the master's
// SOA serial differs from the stored one the worker is asked to transfer it (the cast
// `worker.perform_zone_xfr`), as designate-mdns does. Two differences: the acknowledgement goes back as soon
// as the zone is known, before the master is asked (RFC 1996 §4.7: the master is waiting; designate-mdns
// answers only after), and the master is asked on the port its zone_masters row names, not on 53.
import { Rcode } from '../../engine/codec/constants.ts';
import { unmappedAddress } from '../../engine/answer/peer.ts';
import type { Route } from '../../engine/net/router.ts';
import type { TsigKeyring } from '../../engine/tsig/keys.ts';
import { querySoaSerial } from '../../engine/xfr/client.ts';
import type { Logger } from '../log.ts';
import { zoneMasterPrimitive, zonePrimitive, type ZoneMasterRow, type ZoneRow } from '../messaging/oslo-codec.ts';
import { FixedRcode } from './fixed-rcode.ts';
import type { ZoneReader } from './reader.ts';

/** Sends `worker.perform_zone_xfr(zone, servers)`; null when no transport is configured. */
export type ZoneTransferCast = (args: { zone: unknown; servers: unknown[] }) => Promise<void>;

type Answer = 'acknowledged' | 'notAuthoritative' | 'refused' | 'failed';

export class SecondaryNotifies {
  readonly #reader: ZoneReader;
  readonly #cast: ZoneTransferCast | null;
  readonly #log: Logger;
  /** Each answer signed when the NOTIFY was, with the keys Designate stores (read again for each signed one). */
  readonly #routes: Record<Answer, Route>;

  constructor(reader: ZoneReader, keyring: TsigKeyring, cast: ZoneTransferCast | null, log: Logger) {
    this.#reader = reader;
    this.#cast = cast;
    this.#log = log;
    this.#routes = {
      acknowledged: { handler: new FixedRcode(Rcode.NOERROR, true, keyring) },
      notAuthoritative: { handler: new FixedRcode(Rcode.NOTAUTH, false, keyring) },
      refused: { handler: new FixedRcode(Rcode.REFUSED, false, keyring) },
      failed: { handler: new FixedRcode(Rcode.SERVFAIL, false, keyring) },
    };
  }

  /** The answer to a NOTIFY for `name` (as asked, any case) from `peer`. */
  async route(name: string, peer: string): Promise<Route> {
    let zones: ZoneRow[];
    try {
      zones = await this.#reader.secondaries(name);
    } catch (err) {
      this.#log.warn({ zone: name, peer, err: (err as Error).message }, 'NOTIFY not handled: the database did not answer');
      return this.#routes.failed;
    }
    if (zones.length === 0) return this.#routes.notAuthoritative;
    const from = unmappedAddress(peer);
    for (const zone of zones) {
      const master = zone.masters.find((m) => m.host === from);
      if (master === undefined) continue;
      void this.#compare(zone, master);
      return this.#routes.acknowledged;
    }
    this.#log.warn({ zone: name, peer: from }, 'NOTIFY from a server that is no master of the zone: refused');
    return this.#routes.refused;
  }

  /** Asks the master for its serial; when it differs from the stored one, has the worker transfer the zone. */
  async #compare(zone: ZoneRow, master: ZoneMasterRow): Promise<void> {
    const fields = { zone: zone.name, id: zone.id, master: `${master.host}:${master.port}` };
    let serial: number;
    try {
      serial = await querySoaSerial({ host: master.host, port: Number(master.port), key: null }, zone.name);
    } catch (err) {
      this.#log.warn({ ...fields, err: (err as Error).message }, 'NOTIFY: the master did not tell its SOA serial');
      return;
    }
    if (serial === Number(zone.serial)) {
      this.#log.info({ ...fields, serial }, 'NOTIFY: the master has the serial stored: nothing to transfer');
      return;
    }
    if (this.#cast === null) {
      this.#log.warn({ ...fields, serial, stored: Number(zone.serial) }, 'NOTIFY: the master has another serial, but without transport_url no worker can be asked to transfer it');
      return;
    }
    try {
      await this.#cast({ zone: zonePrimitive(zone), servers: [zoneMasterPrimitive(master)] });
      this.#log.info({ ...fields, serial, stored: Number(zone.serial) }, 'NOTIFY: worker asked to transfer the zone (perform_zone_xfr)');
    } catch (err) {
      this.#log.warn({ ...fields, serial, err: (err as Error).message }, 'NOTIFY: perform_zone_xfr not sent: the producer\'s periodic refresh transfers the zone later');
    }
  }
}
