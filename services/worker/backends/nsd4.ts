// NSD through nsd-control, as Designate's nsd4 backend: `addzone NAME PATTERN` adds a secondary zone whose
// primaries and NOTIFY ACL come from a pattern in nsd.conf (request-xfr and allow-notify naming the mdns
// instances), `delzone NAME` removes it. nsd-control answers "already exists" and "not present" with
// success itself, so both calls are idempotent. Options: `pattern` (Designate's name, default "slave"),
// `host` and `port` of the control channel (default nsd-control's own), the TLS files as Designate names
// them: `keyfile` and `certfile` (nsd_control.key/.pem) and `ca_certs` (nsd_server.pem, which nsd-control
// checks the server against) — or `config_file`, an nsd.conf whose remote-control section names them —
// and `nsd_control` (the command).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    const config = o.config_file ?? (o.keyfile || o.certfile ? controlConfig(o) : undefined);
    this.#base = [...(config ? ['-c', config] : []), ...(o.host ? ['-s', `${o.host}@${o.port ?? 8952}`] : [])];
  }

  async createZone(zone: string): Promise<void> {
    await this.#control(`addzone ${zone}`, ['addzone', zone, this.#pattern]);
  }

  /** `nsd-control transfer`: NSD checks the zone's masters now. */
  async refreshZone(zone: string): Promise<void> {
    await this.#control(`transfer ${zone}`, ['transfer', zone]);
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

/** The configuration file written for each set of TLS files, by their paths: backends are made per change. */
const controlConfigs = new Map<string, string>();

/**
 * nsd-control reads its TLS files only from a configuration file: one with just the remote-control section,
 * written once per set of files into a directory of its own.
 */
function controlConfig(o: Record<string, string>): string {
  if (!o.keyfile || !o.certfile || !o.ca_certs) throw new BackendError('nsd4 target needs keyfile, certfile and ca_certs together (or config_file)');
  const id = [o.keyfile, o.certfile, o.ca_certs].join('\0');
  let file = controlConfigs.get(id);
  if (file === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'zonecast-nsd-control-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    file = join(dir, 'nsd-control.conf');
    writeFileSync(file, [
      'remote-control:', '  control-enable: yes',
      `  server-cert-file: "${o.ca_certs}"`, `  control-key-file: "${o.keyfile}"`, `  control-cert-file: "${o.certfile}"`, '',
    ].join('\n'));
    controlConfigs.set(id, file);
  }
  return file;
}
