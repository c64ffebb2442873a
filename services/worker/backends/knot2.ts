// Knot DNS through `knotc` configuration transactions (Designate removed its Knot backend; zonecast brings
// it back). Creating a zone makes sure a remote for the pool's masters and an ACL accepting their NOTIFY
// exist (and the target's TSIG key, which Knot can define itself), then adds `zone[NAME]` with them;
// deleting unsets `zone[NAME]`. The changes of many zones share one transaction (knotc-batch.ts).
// Options (pools.yaml `targets[].options`): `knotc` (the command, default "knotc") and `control_socket`
// (knotd's control socket, default knotc's own default).
import { createHash } from 'node:crypto';
import { BackendError, type Backend, type BackendTarget } from '../backend.ts';
import { KnotcBatcher, type KnotCommand } from './knotc-batch.ts';

/** One batcher per knotd (command and control socket) in this process. */
const batchers = new Map<string, KnotcBatcher>();

const EXISTS = /duplicate identifier/i;
const ABSENT = /invalid identifier/i;

export class Knot2Backend implements Backend {
  readonly #batcher: KnotcBatcher;
  /** The remote, ACL and key this target's zones use: made sure of in every transaction. */
  readonly #setup: KnotCommand[];
  /** Name of the remote and ACL for these masters (and key): stable, so every create reuses them. */
  readonly #remoteId: string;

  constructor(target: BackendTarget) {
    const command = target.options.knotc ?? 'knotc';
    const socket = target.options.control_socket;
    const id = `${command}\0${socket ?? ''}`;
    if (!batchers.has(id)) batchers.set(id, new KnotcBatcher(command, socket));
    this.#batcher = batchers.get(id)!;
    if (target.masters.length === 0) throw new BackendError('knot2 target has no masters to pull zones from');
    const masters = target.masters.map((m) => `${m.host}@${m.port}`);
    const key = target.tsigKey ?? null;
    const remote = `zonecast-${createHash('sha256').update(masters.join(' ') + (key ? ` ${key.name}` : '')).digest('hex').slice(0, 12)}`;
    this.#remoteId = remote;
    this.#setup = [
      ...(key ? [
        { line: `conf-set key[${key.name}]`, fine: EXISTS },
        { line: `conf-set key[${key.name}].algorithm ${key.algorithm.replace(/\.$/, '')}` },
        { line: `conf-set key[${key.name}].secret ${key.secret}` },
      ] : []),
      { line: `conf-set remote[${remote}]`, fine: EXISTS },
      { line: `conf-set remote[${remote}].address ${masters.join(' ')}` },
      ...(key ? [{ line: `conf-set remote[${remote}].key ${key.name}` }] : []),
      { line: `conf-set acl[${remote}]`, fine: EXISTS },
      { line: `conf-set acl[${remote}].address ${[...new Set(target.masters.map((m) => m.host))].join(' ')}` },
      { line: `conf-set acl[${remote}].action notify` },
      ...(key ? [{ line: `conf-set acl[${remote}].key ${key.name}` }] : []),
    ];
  }

  createZone(zone: string): Promise<void> {
    const remote = this.#remoteId;
    return this.#batcher.apply(zone, `create ${zone}`, [
      ...this.#setup,
      { line: `conf-set zone[${zone}]`, fine: EXISTS },
      { line: `conf-set zone[${zone}].master ${remote}` },
      { line: `conf-set zone[${zone}].acl ${remote}` },
    ]);
  }

  /** `knotc zone-refresh`: Knot reschedules its refresh for now, which a NOTIFY does not always do. */
  async refreshZone(zone: string): Promise<void> {
    await this.#batcher.command(`zone-refresh ${zone}`).catch((err: Error) => {
      throw new BackendError(`knot2 refresh ${zone}: ${err.message}`);
    });
  }

  deleteZone(zone: string): Promise<void> {
    return this.#batcher.apply(zone, `delete ${zone}`, [{ line: `conf-unset zone[${zone}]`, fine: ABSENT }]);
  }
}
