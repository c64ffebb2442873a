// A logger whose lines the test reads back (parsed), for asserting what a service said it did;
// ZONECAST_TEST_LOG set shows them too.
import { pino } from 'pino';
import type { Logger } from '../../services/log.ts';

export interface LogLine {
  msg: string;
  serial?: number;
  zoneId?: string;
  [field: string]: unknown;
}

export function captureLog(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const show = process.env.ZONECAST_TEST_LOG !== undefined;
  const log = pino({ level: 'debug' }, {
    write: (line: string) => {
      lines.push(JSON.parse(line) as LogLine);
      if (show) process.stdout.write(line);
    },
  });
  return { log, lines };
}
