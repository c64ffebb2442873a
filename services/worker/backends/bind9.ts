// BIND through rndc, as Designate's bind9 backend: `rndc addzone` a secondary zone whose primaries are the
// pool's masters, `rndc delzone` to remove it. named needs `allow-new-zones yes;` and an rndc control
// channel. Options, with Designate's names: rndc_host (127.0.0.1), rndc_port (953), rndc_config_file,
// rndc_key_file, rndc_timeout (seconds, default 10), clean_zonefile (delzone -clean), and `rndc` (the
// command, default "rndc").
import { execFile } from 'node:child_process';
import { BackendError, type Backend, type BackendTarget } from '../backend.ts';

export class Bind9Backend implements Backend {
  readonly #command: string;
  readonly #base: string[];
  readonly #timeoutMs: number;
  readonly #clean: boolean;
  readonly #primaries: string;

  constructor(target: BackendTarget) {
    const o = target.options;
    if (target.masters.length === 0) throw new BackendError('bind9 target has no masters to pull zones from');
    this.#command = o.rndc ?? 'rndc';
    this.#base = ['-s', o.rndc_host ?? '127.0.0.1', '-p', o.rndc_port ?? '953',
      ...(o.rndc_config_file ? ['-c', o.rndc_config_file] : []), ...(o.rndc_key_file ? ['-k', o.rndc_key_file] : [])];
    this.#timeoutMs = Number(o.rndc_timeout ?? 10) * 1000;
    this.#clean = /^(true|yes|1|on)$/i.test(o.clean_zonefile ?? 'false');
    // A target key must be defined in named.conf (`key "NAME" { … };`): rndc cannot add keys.
    const key = target.tsigKey ? ` key "${target.tsigKey.name.replace(/\.$/, '')}"` : '';
    this.#primaries = target.masters.map((m) => `${m.host} port ${m.port}${key};`).join(' ');
  }

  async createZone(zone: string): Promise<void> {
    // The file name is the zone's, so a zone re-added after a crash finds its old copy.
    const config = `{ type secondary; primaries { ${this.#primaries} }; file "secondary.${zone}db"; };`;
    await this.#rndc(`addzone ${zone}`, ['addzone', zone, config]).catch((err: Error) => {
      if (!/already exists/i.test(err.message)) throw err;
    });
  }

  /** `rndc refresh`: named checks the zone's primaries now. */
  async refreshZone(zone: string): Promise<void> {
    await this.#rndc(`refresh ${zone}`, ['refresh', zone]);
  }

  async deleteZone(zone: string): Promise<void> {
    await this.#rndc(`delzone ${zone}`, ['delzone', ...(this.#clean ? ['-clean'] : []), zone]).catch((err: Error) => {
      if (!/not found/i.test(err.message)) throw err;
    });
  }

  #rndc(what: string, args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(this.#command, [...this.#base, ...args], { timeout: this.#timeoutMs }, (err, stdout, stderr) => {
        const said = `${stdout}${stderr}`.trim();
        if (err) reject(new BackendError(`rndc ${what}: ${said || err.message}`));
        else resolve(said);
      });
    });
  }
}
