// PowerDNS Authoritative through its HTTP API, as Designate's pdns4 backend: POST a Slave zone with the
// pool's masters (then ask for the first transfer at once), DELETE it to remove. A 409 on create (the zone
// exists) and a 404 on delete (it does not) are success. Options, with Designate's names: api_endpoint
// (http://host:8081), api_token (the X-API-Key), tsigkey_name (the key PowerDNS signs transfers with, which
// must exist there). A target key (pools.yaml tsigkey_id) is put into PowerDNS through the API itself.
import { withDeadline } from '../../deadline.ts';
import { BackendError, type Backend, type BackendTarget } from '../backend.ts';

const REQUEST_TIMEOUT_MS = 10_000;
const SERVER_ERROR_TRIES = 3;

export class Pdns4Backend implements Backend {
  readonly #zonesUrl: string;
  readonly #token: string;
  readonly #masters: string[];
  readonly #tsigKey: string | undefined;
  readonly #keysUrl: string;
  readonly #key: BackendTarget['tsigKey'];

  constructor(target: BackendTarget) {
    const o = target.options;
    if (!o.api_endpoint) throw new BackendError('pdns4 target needs options.api_endpoint');
    if (target.masters.length === 0) throw new BackendError('pdns4 target has no masters to pull zones from');
    const server = `${o.api_endpoint.replace(/\/+$/, '')}/api/v1/servers/localhost`;
    this.#zonesUrl = `${server}/zones`;
    this.#keysUrl = `${server}/tsigkeys`;
    this.#key = o.tsigkey_name ? null : target.tsigKey ?? null;
    this.#token = o.api_token ?? '';
    this.#masters = target.masters.map((m) => (m.host.includes(':') ? `[${m.host}]:${m.port}` : `${m.host}:${m.port}`));
    this.#tsigKey = o.tsigkey_name ?? target.tsigKey?.name.replace(/\.$/, '');
  }

  async createZone(zone: string): Promise<void> {
    if (this.#key) {
      const { name, algorithm, secret } = this.#key;
      // 409: PowerDNS has a key of that name already.
      await this.#request(`create key ${name}`, 'POST', this.#keysUrl, { name: name.replace(/\.$/, ''), algorithm: algorithm.replace(/\.$/, ''), key: secret }, [201, 409]);
    }
    const body = { name: zone, kind: 'Slave', masters: this.#masters, ...(this.#tsigKey ? { slave_tsig_key_ids: [this.#tsigKey] } : {}) };
    const created = await this.#request(`create ${zone}`, 'POST', this.#zonesUrl, body, [201, 409]);
    // A new secondary transfers at PowerDNS's next refresh cycle; ask for it now.
    if (created === 201) await this.refreshZone(zone);
  }

  /** axfr-retrieve: PowerDNS transfers now instead of at its secondary loop's next turn (up to a second). */
  async refreshZone(zone: string): Promise<void> {
    await this.#request(`retrieve ${zone}`, 'PUT', `${this.#zonesUrl}/${zone}/axfr-retrieve`, undefined, [200]);
  }

  async deleteZone(zone: string): Promise<void> {
    await this.#request(`delete ${zone}`, 'DELETE', `${this.#zonesUrl}/${zone}`, undefined, [204, 404]);
  }

  /**
   * One API call. A 5xx is tried again twice, 100 and 200 ms later: PowerDNS answers 500 to a delete while the
   * zone's transfer is still running.
   */
  async #request(what: string, method: string, url: string, body: unknown, ok: number[]): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await withDeadline(fetch(url, {
          method, headers: { 'X-API-Key': this.#token, ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body === undefined ? undefined : JSON.stringify(body),
        }), REQUEST_TIMEOUT_MS, () => new BackendError(`pdns4 ${what}: no answer within ${REQUEST_TIMEOUT_MS} ms`));
      } catch (err) {
        if (err instanceof BackendError) throw err;
        throw new BackendError(`pdns4 ${what}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`);
      }
      const text = await res.text();
      if (ok.includes(res.status)) return res.status;
      if (res.status < 500 || attempt >= SERVER_ERROR_TRIES) throw new BackendError(`pdns4 ${what}: ${res.status} ${text.slice(0, 200)}`);
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}
