// The notifier `[oslo_messaging_notifications]` configures, as oslo.messaging's: driver messagingv2 (or
// messaging) publishes to RabbitMQ on `transport_url` (default: [DEFAULT] transport_url), `log` writes each
// notification to the log, none (the default) sends nothing.
import type { Config } from '../config/options.ts';
import type { Logger } from '../log.ts';
import { NotificationPublisher, type Notifier } from './notifications.ts';

export interface OpenNotifier {
  notifier: Notifier | undefined;
  close(): Promise<void>;
}

export function openNotifier(config: Config, publisherId: string, log: Logger): OpenNotifier {
  const drivers = config.get<string[]>('oslo_messaging_notifications', 'driver');
  if (drivers.some((d) => d === 'messagingv2' || d === 'messaging')) {
    const url = config.get<string>('oslo_messaging_notifications', 'transport_url') || config.get<string>('DEFAULT', 'transport_url');
    if (url === '') {
      log.warn('[oslo_messaging_notifications] driver = messagingv2 needs a transport_url: notifications are not sent');
      return { notifier: undefined, close: async () => {} };
    }
    const publisher = new NotificationPublisher(url, config.get<string>('DEFAULT', 'control_exchange'), config.get<string[]>('oslo_messaging_notifications', 'topics'), publisherId, log);
    return { notifier: publisher, close: () => publisher.close() };
  }
  if (drivers.includes('log')) return { notifier: { info: (eventType, payload) => log.info({ event_type: eventType, payload }, 'notification') }, close: async () => {} };
  return { notifier: undefined, close: async () => {} };
}
