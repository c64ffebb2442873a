// Assembles the producer: its coordination backend (`[coordination] backend_url`) and its periodic tasks.
import type { CentralApi } from '../central/rpcapi.ts';
import type { Config } from '../config/options.ts';
import { openCoordination } from '../coordination/open.ts';
import { openNotifier } from '../messaging/open-notifier.ts';
import type { Logger } from '../log.ts';
import type { Bus } from '../messaging/bus.ts';
import type { Storage } from '../storage/storage.ts';
import { Producer } from './producer.ts';

export async function startProducer(config: Config, storage: Storage, central: CentralApi, bus: Bus, host: string, log: Logger): Promise<Producer> {
  const coordination = openCoordination(config, log);
  const notifications = openNotifier(config, `producer.${host}`, log);
  const producer = new Producer({ storage, central, bus, coordination, config, log, host, notifier: notifications.notifier, closeNotifier: notifications.close });
  try {
    await producer.start();
  } catch (err) {
    await coordination.close();
    await notifications.close();
    throw err;
  }
  log.info({ coordination: coordination.description, member: producer.member, tasks: producer.tasks().map((t) => t.name) }, 'producer joined');
  return producer;
}
