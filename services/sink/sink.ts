// The sink service (Designate's designate-sink): listens to Nova's and Neutron's notifications on RabbitMQ
// and keeps the managed records they imply, through central, so quotas, serials and announcements apply as
// for API writes. Each enabled handler needs `[handler:<name>] zone_id`; one without is logged and left out.
import type { CentralApi } from '../central/rpcapi.ts';
import type { Caller } from '../central/context.ts';
import type { Config } from '../config/options.ts';
import type { Logger } from '../log.ts';
import { NotificationListener, type Notification, type Subscription } from '../messaging/notifications.ts';
import { MessagingUnavailableError } from '../messaging/transport.ts';
import { UnavailableError } from '../storage/storage.ts';
import { HANDLERS, type HandlerConfig, type NotificationHandler } from './handlers.ts';

/** Central unreachable, or its database: the notification waits in the queue rather than being lost. */
const passing = (err: unknown): boolean => err instanceof MessagingUnavailableError || err instanceof UnavailableError;

/** Designate's sink writes with an elevated context: admin, every project, managed records editable. */
const SINK_CALLER: Caller = { projectId: null, isAdmin: true, allProjects: true, editManagedRecords: true, hardDelete: false, deleteShares: false };

interface Enabled {
  handler: NotificationHandler;
  config: Omit<HandlerConfig, 'zoneName'>;
  subscription: Subscription;
}

/** The enabled handlers with their options; a handler without zone_id is logged and left out, as Designate does. */
export function enabledHandlers(config: Config, log: Logger): Enabled[] {
  const names = config.get<string[]>('service:sink', 'enabled_notification_handlers');
  const out: Enabled[] = [];
  for (const name of names) {
    const handler = HANDLERS.find((h) => h.name === name);
    if (handler === undefined) {
      log.error({ handler: name, known: HANDLERS.map((h) => h.name) }, 'unknown notification handler: left out');
      continue;
    }
    const section = `handler:${name}`;
    const zoneId = config.get<string>(section, 'zone_id');
    if (zoneId === '') {
      log.error({ handler: name }, `[${section}] zone_id is not set: the handler is left out`);
      continue;
    }
    out.push({
      handler,
      config: { zoneId, formatv4: config.get<string[]>(section, 'formatv4'), formatv6: config.get<string[]>(section, 'formatv6') },
      subscription: { exchange: config.get<string>(section, 'control_exchange'), topics: config.get<string[]>(section, 'notification_topics') },
    });
  }
  return out;
}

export class Sink {
  readonly #central: CentralApi;
  readonly #enabled: Enabled[];
  readonly #log: Logger;
  readonly #zoneNames = new Map<string, string>();
  #listener: NotificationListener | null = null;

  constructor(central: CentralApi, enabled: Enabled[], log: Logger) {
    this.#central = central;
    this.#enabled = enabled;
    this.#log = log;
  }

  /** Starts listening on `transportUrl` (RabbitMQ); resolves once connected or after `waitMs`. */
  async start(transportUrl: string, waitMs: number): Promise<void> {
    if (this.#enabled.length === 0) return;
    const subscriptions = this.#enabled.map((e) => e.subscription);
    this.#listener = new NotificationListener(transportUrl, subscriptions, (n) => this.handle(n), passing, this.#log);
    await this.#listener.ready(waitMs).catch(() => this.#log.warn('sink starting without the message broker: notifications wait there'));
  }

  /** One notification through every enabled handler; rejects when central cannot be reached (it is dropped). */
  async handle(n: Notification): Promise<void> {
    for (const { handler, config } of this.#enabled) {
      const zoneName = await this.#zoneName(config.zoneId);
      const action = handler.act(n, { ...config, zoneName });
      if (action === null) continue;
      if (action.kind === 'add') {
        const added = await this.#central.managedRecords.add(SINK_CALLER, config.zoneId, action.records);
        this.#log.info({ handler: handler.name, event: n.eventType, records: action.records.map((r) => `${r.name} ${r.type} ${r.data}`), added }, 'managed records added');
      } else {
        const removed = await this.#central.managedRecords.remove(SINK_CALLER, config.zoneId, action.resourceType, action.resourceId);
        this.#log.info({ handler: handler.name, event: n.eventType, resource: `${action.resourceType} ${action.resourceId}`, removed }, 'managed records removed');
      }
    }
  }

  async #zoneName(zoneId: string): Promise<string> {
    let name = this.#zoneNames.get(zoneId);
    if (name === undefined) {
      name = (await this.#central.zones.get(SINK_CALLER, zoneId)).zone.name;
      this.#zoneNames.set(zoneId, name);
    }
    return name;
  }

  async close(): Promise<void> {
    await this.#listener?.close();
  }
}
