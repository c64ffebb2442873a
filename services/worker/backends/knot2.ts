// Knot DNS through `knotc` configuration transactions (Designate removed its Knot backend; zonecast brings
// it back). Creating a zone makes sure a remote for the pool's masters and an ACL accepting their NOTIFY
// exist, then adds `zone[NAME]` with them, all in one transaction; deleting unsets `zone[NAME]`.
// Options (pools.yaml `targets[].options`): `knotc` (the command, default "knotc") and `control_socket`
// (knotd's control socket, default knotc's own default).
// knotd takes one configuration transaction at a time: this process queues its own per control socket, and a
// transaction another process holds is waited for (retried for a few seconds).
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { BackendError, type Backend, type BackendTarget } from '../backend.ts';

const COMMAND_TIMEOUT_MS = 10_000;
/** A transaction another process holds for this long is taken as abandoned and aborted. */
const STALE_TRANSACTION_MS = 5_000;

/** The tail of each control socket's queue of transactions in this process. */
const queues = new Map<string, Promise<void>>();

/** Runs `fn` after every transaction queued before it on `socket`. */
function queued(socket: string, fn: () => Promise<void>): Promise<void> {
  const run = (queues.get(socket) ?? Promise.resolve()).then(fn);
  const tail = run.catch(() => {});
  queues.set(socket, tail);
  void tail.then(() => {
    if (queues.get(socket) === tail) queues.delete(socket);
  });
  return run;
}

export class Knot2Backend implements Backend {
  readonly #command: string;
  readonly #socket: string | undefined;
  readonly #masters: string[];
  /** Names of the remote and ACL for these masters: stable, so every create reuses them. */
  readonly #remoteId: string;
  readonly #key: BackendTarget['tsigKey'];

  constructor(target: BackendTarget) {
    this.#command = target.options.knotc ?? 'knotc';
    this.#socket = target.options.control_socket;
    if (target.masters.length === 0) throw new BackendError('knot2 target has no masters to pull zones from');
    this.#masters = target.masters.map((m) => `${m.host}@${m.port}`);
    this.#key = target.tsigKey ?? null;
    const keyName = this.#key ? ` ${this.#key.name}` : '';
    this.#remoteId = `zonecast-${createHash('sha256').update(this.#masters.join(' ') + keyName).digest('hex').slice(0, 12)}`;
  }

  async createZone(zone: string): Promise<void> {
    await this.#transaction(`create ${zone}`, async () => {
      const remote = this.#remoteId;
      const key = this.#key;
      if (key) {
        // Knot can define keys itself: the target's key goes into its configuration with the remote.
        await this.#knotc('conf-set', `key[${key.name}]`).catch(ignore(/duplicate identifier/i));
        await this.#knotc('conf-set', `key[${key.name}].algorithm`, key.algorithm.replace(/\.$/, ''));
        await this.#knotc('conf-set', `key[${key.name}].secret`, key.secret);
      }
      await this.#knotc('conf-set', `remote[${remote}]`).catch(ignore(/duplicate identifier/i));
      await this.#knotc('conf-set', `remote[${remote}].address`, ...this.#masters);
      if (key) await this.#knotc('conf-set', `remote[${remote}].key`, key.name);
      await this.#knotc('conf-set', `acl[${remote}]`).catch(ignore(/duplicate identifier/i));
      await this.#knotc('conf-set', `acl[${remote}].address`, ...this.#masters.map((m) => m.split('@')[0]));
      await this.#knotc('conf-set', `acl[${remote}].action`, 'notify');
      if (key) await this.#knotc('conf-set', `acl[${remote}].key`, key.name);
      if (await this.#hasZone(zone)) return;
      await this.#knotc('conf-set', `zone[${zone}]`);
      await this.#knotc('conf-set', `zone[${zone}].master`, remote);
      await this.#knotc('conf-set', `zone[${zone}].acl`, remote);
    });
  }

  async deleteZone(zone: string): Promise<void> {
    await this.#transaction(`delete ${zone}`, async () => {
      if (await this.#hasZone(zone)) await this.#knotc('conf-unset', `zone[${zone}]`);
    });
  }

  async #hasZone(zone: string): Promise<boolean> {
    return this.#knotc('conf-get', `zone[${zone}]`).then(() => true, (err: Error) => {
      if (/invalid identifier|not found/i.test(err.message)) return false;
      throw err;
    });
  }

  /** conf-begin … conf-commit, aborted on failure; a transaction already open elsewhere is waited for. */
  #transaction(what: string, body: () => Promise<void>): Promise<void> {
    return queued(this.#socket ?? '', () => this.#inTransaction(what, body));
  }

  async #inTransaction(what: string, body: () => Promise<void>): Promise<void> {
    let staleAt = performance.now() + STALE_TRANSACTION_MS;
    let aborted = false;
    for (let wait = 20; ; wait = Math.min(wait * 2, 500)) {
      try {
        await this.#knotc('conf-begin');
        break;
      } catch (err) {
        const busy = /too many transactions/i.test((err as Error).message);
        if (!busy || (aborted && performance.now() > staleAt)) throw new BackendError(`knot2 ${what}: ${(err as Error).message}`);
        if (!aborted && performance.now() > staleAt) {
          // Open for longer than any of ours takes: its owner died between conf-begin and conf-commit (a
          // worker killed -9), and knotd would refuse every change until someone aborts it.
          await this.#knotc('conf-abort').catch(() => {});
          aborted = true;
          staleAt = performance.now() + STALE_TRANSACTION_MS;
        }
        await new Promise((r) => setTimeout(r, wait));
      }
    }
    try {
      await body();
      await this.#knotc('conf-commit');
    } catch (err) {
      await this.#knotc('conf-abort').catch(() => {});
      throw new BackendError(`knot2 ${what}: ${(err as Error).message}`);
    }
  }

  #knotc(...args: string[]): Promise<string> {
    const full = [...(this.#socket ? ['-s', this.#socket] : []), ...args];
    return new Promise((resolve, reject) => {
      execFile(this.#command, full, { timeout: COMMAND_TIMEOUT_MS }, (err, stdout, stderr) => {
        const said = `${stdout}${stderr}`.trim();
        // knotc exits 0 even for some refusals; it then prints "error:".
        if (err || /^error:/im.test(said)) reject(new BackendError(`knotc ${args.join(' ')}: ${said || (err as Error).message}`));
        else resolve(said);
      });
    });
  }
}

const ignore = (pattern: RegExp) => (err: Error): string => {
  if (pattern.test(err.message)) return '';
  throw err;
};
