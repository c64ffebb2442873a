// The producer service (Designate's designate-producer): runs each enabled periodic task every
// `[producer_task:<name>] interval` seconds over the zone shards this instance holds. Instances join the
// group `producer` through `[coordination] backend_url` and divide the 4096 shards by their sorted member
// ids; membership is read at the start of every run, so a producer that joins or dies changes the division
// at the next run of each task. A task's runs never overlap; a failed run is logged and retried at the next
// interval, and never stops the others.
import { randomUUID } from 'node:crypto';
import type { CentralApi } from '../central/rpcapi.ts';
import type { Config } from '../config/options.ts';
import { shardRange, SHARDS, type Coordination } from '../coordination/coordination.ts';
import type { Logger } from '../log.ts';
import type { Bus } from '../messaging/bus.ts';
import type { Notifier } from '../messaging/notifications.ts';
import type { Storage } from '../storage/storage.ts';
import { countTaskRun } from './metrics.ts';
import { PRODUCER_TASKS, type ProducerTask, type TaskContext } from './tasks.ts';

export const PRODUCER_GROUP = 'producer';

export interface ProducerDeps {
  storage: Storage;
  central: CentralApi;
  bus: Bus;
  coordination: Coordination;
  config: Config;
  log: Logger;
  /** `[DEFAULT] host`: the member id is `<host>:<uuid>`, as Designate's. */
  host: string;
  notifier?: Notifier;
  /** Closes the notifier's connection, after the tasks. */
  closeNotifier?: () => Promise<void>;
}

export class Producer {
  readonly #deps: ProducerDeps;
  readonly member: string;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #running = new Map<string, Promise<void>>();
  #warned = false;

  constructor(deps: ProducerDeps) {
    this.#deps = deps;
    this.member = `${deps.host}:${randomUUID()}`;
  }

  /** The tasks `[service:producer] enabled_tasks` names (all when empty, as Designate). */
  tasks(): ProducerTask[] {
    const enabled = this.#deps.config.get<string[]>('service:producer', 'enabled_tasks');
    return PRODUCER_TASKS.filter((t) => enabled.length === 0 || enabled.includes(t.name));
  }

  async start(): Promise<void> {
    await this.#deps.coordination.join(PRODUCER_GROUP, this.member);
    for (const task of this.tasks()) {
      const interval = this.#deps.config.get<number>(`producer_task:${task.name}`, 'interval');
      if (interval <= 0) continue;
      this.#timers.push(setInterval(() => void this.runTask(task), interval * 1000));
    }
  }

  /** One run of `task` over this producer's current shards; a run still going makes this a no-op. */
  runTask(task: ProducerTask): Promise<void> {
    const running = this.#running.get(task.name);
    if (running) return running;
    const run = this.#run(task).finally(() => this.#running.delete(task.name));
    this.#running.set(task.name, run);
    return run;
  }

  async #run(task: ProducerTask): Promise<void> {
    const { coordination, log } = this.#deps;
    const started = performance.now();
    let held: number | null = null;
    try {
      const members = await coordination.members(PRODUCER_GROUP);
      const shards = shardRange(members, this.member);
      if (shards === null) {
        log.warn({ task: task.name, member: this.member }, 'not in the producer group (yet): no shards this run');
        countTaskRun(task.name, 'no_shards', 0, 0);
        return;
      }
      held = shards.last - shards.first + 1;
      if (shards.first === 0 && shards.last === SHARDS - 1) await this.#warnIfAlone(members.length);
      const { storage, central, bus, config, notifier } = this.#deps;
      const ctx: TaskContext = { storage, central, bus, log, config, notifier };
      const did = await task.run(ctx, shards);
      const ms = performance.now() - started;
      countTaskRun(task.name, 'ok', ms / 1000, held);
      log.info({ task: task.name, first: shards.first, last: shards.last, producers: members.length, ms: Math.round(ms), ...did }, 'task run');
    } catch (err) {
      countTaskRun(task.name, 'failed', (performance.now() - started) / 1000, held);
      log.error({ task: task.name, err: (err as Error).message }, 'task failed; retried next interval');
    }
  }

  /** Without a coordination backend every producer takes every shard: say so once another one is alive. */
  async #warnIfAlone(members: number): Promise<void> {
    if (this.#warned || members > 1 || !this.#deps.coordination.description.startsWith('none')) return;
    const statuses = await this.#deps.storage.transaction((tx) => tx.findServiceStatuses());
    const others = statuses.filter((s) => s.serviceName === 'producer' && s.status === 'UP' && s.hostname !== this.#deps.host);
    if (others.length === 0) return;
    this.#warned = true;
    this.#deps.log.warn({ others: others.map((s) => s.hostname) }, 'another producer is running and [coordination] backend_url is unset: periodic tasks run once per producer');
  }

  async close(): Promise<void> {
    for (const t of this.#timers.splice(0)) clearInterval(t);
    await Promise.allSettled(this.#running.values());
    await this.#deps.coordination.close();
    await this.#deps.closeNotifier?.();
  }
}
