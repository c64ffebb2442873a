// Assembles the worker service: the zone changes of pools with targets, taken from `[service:worker] topic`
// and carried to the pools' nameservers, with the pools read from storage for every change.
import type { Config } from '../config/options.ts';
import type { Logger } from '../log.ts';
import type { Bus } from '../messaging/bus.ts';
import type { Storage } from '../storage/storage.ts';
import { workerOptions } from './options.ts';
import { Worker } from './worker.ts';

export function startWorker(config: Config, storage: Storage, bus: Bus, log: Logger): Worker {
  const worker = new Worker({ storage, bus, options: workerOptions(config), log });
  worker.start();
  return worker;
}
