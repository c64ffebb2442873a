// Structured logs, one JSON object per line (pino), so operators can grep or ship them as they are.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(service: string, level = process.env.ZONECAST_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { svc: service }, timestamp: pino.stdTimeFunctions.isoTime });
}
