// NSD through nsd-control, as Designate's nsd4 backend: `addzone NAME PATTERN` adds a secondary zone whose
// primaries and NOTIFY ACL come from a pattern in nsd.conf (request-xfr and allow-notify naming the mdns
// instances), `delzone NAME` removes it. nsd-control answers "already exists" and "not present" with
// success itself, so both calls are idempotent. Options: `pattern` (Designate's name, default "slave"),
// `host` and `port` of the control channel (default nsd-control's own), `config_file` (the nsd.conf whose
// remote-control section names the keys and certificates), `nsd_control` (the command).
import { execFile } from 'node:child_process';
import { BackendError, type Backend, type BackendTarget } from '../backend.ts';

const COMMAND_TIMEOUT_MS = 10_000;

export class Nsd4Backend implements Backend {
  readonly #command: string;
  readonly #base: string[];
  readonly #pattern: string;

  constructor(target: BackendTarget) {
    const o = target.options;
    this.#command = o.nsd_control ?? 'nsd-control';
    this.#pattern = o.pattern ?? 'slave';
    this.#base = [...(o.config_file ? ['-c', o.config_file] : []), ...(o.host ? ['-s', `${o.host}@${o.port ?? 8952}`] : [])];
  }

  async createZone(zone: string): Promise<void> {
    await this.#control(`addzone ${zone}`, ['addzone', zone, this.#pattern]);
  }

  async deleteZone(zone: string): Promise<void> {
    await this.#control(`delzone ${zone}`, ['delzone', zone]);
  }

  #control(what: string, args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(this.#command, [...this.#base, ...args], { timeout: COMMAND_TIMEOUT_MS }, (err, stdout, stderr) => {
        const said = `${stdout}${stderr}`.trim();
        if (err || /^error/im.test(said)) reject(new BackendError(`nsd-control ${what}: ${said || (err as Error).message}`));
        else resolve(said);
      });
    });
  }
}
