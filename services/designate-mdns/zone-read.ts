// One read of a zone's records from Designate's database, while it happens. A rebuild reads the zone and
// then compiles it; an AXFR of the version being read need not wait for either: it attaches here and is
// rendered from the lines as they arrive (engine/xfr/streamed-axfr.ts), the ones read before it attached
// first. Transfers attaching later, until the compiled version is published, share the same messages.
import type { AxfrImageOptions } from '../../engine/xfr/axfr-image.ts';
import { StreamedAxfr, StreamedAxfrError } from '../../engine/xfr/streamed-axfr.ts';
import type { Logger } from '../log.ts';
import type { ContentSink, ZoneRow } from './reader.ts';

export class ZoneRead implements ContentSink {
  /** The key of the version read, once its row is; null when the read ended without one (a catalog, a failure). */
  readonly begun: Promise<string | null>;
  readonly #origin: string;
  readonly #options: AxfrImageOptions;
  readonly #log: Logger;
  readonly #chunks: Uint8Array[] = [];
  #begin: (key: string | null) => void = () => {};
  #soa: string | null = null;
  #ended: 'read' | 'failed' | null = null;
  #axfr: StreamedAxfr | null = null;

  constructor(origin: string, options: AxfrImageOptions, log: Logger) {
    this.#origin = origin;
    this.#options = options;
    this.#log = log;
    this.begun = new Promise((resolve) => (this.#begin = resolve));
  }

  begin(_zone: ZoneRow, key: string, soa: string | null): void {
    this.#soa = soa;
    this.#begin(key);
  }

  lines(text: Uint8Array): void {
    this.#chunks.push(text);
    this.#axfr?.push(text);
  }

  /** The read ended: every line is in (the transfer's closing SOA goes out), or it stopped short. */
  finish(whole: boolean): void {
    this.#ended = whole ? 'read' : 'failed';
    this.#begin(null);
    if (whole) this.#axfr?.end();
    else this.#axfr?.fail();
  }

  /** The AXFR of the version read, rendered as it is read; null when the zone has no SOA to frame it with. */
  axfr(): StreamedAxfr | null {
    if (this.#axfr !== null || this.#soa === null) return this.#axfr;
    try {
      this.#axfr = new StreamedAxfr(this.#origin, this.#soa, this.#options);
    } catch (err) {
      if (!(err instanceof StreamedAxfrError)) throw err;
      this.#log.warn({ zone: this.#origin, err: err.message }, 'AXFR not streamed while the zone is read: it waits for the compiled version');
      this.#soa = null;
      return null;
    }
    for (const chunk of this.#chunks) this.#axfr.push(chunk);
    if (this.#ended === 'read') this.#axfr.end();
    else if (this.#ended === 'failed') this.#axfr.fail();
    return this.#axfr;
  }
}
