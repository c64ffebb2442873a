#!/usr/bin/env node
// zonecast command line: `zonecast start` (everything, embedded defaults) and `zonecast mdns` (the DNS
// engine on its own). Run through npm scripts or npx so that Node 24 from node_modules is used.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { CompilePool } from '../engine/pool/compile-pool.ts';
import { createLogger } from '../services/log.ts';
import { parseEndpoint } from '../services/mdns/endpoint.ts';
import { MDNS_DEFAULTS, MdnsServer } from '../services/mdns/server.ts';
import { loadZoneDirectory } from '../services/mdns/zone-directory.ts';

const HELP = `usage: zonecast <command> [options]

commands:
  start                       serve the demo zones in fixtures/zones on 127.0.0.1:5354 (UDP and TCP)
  mdns --zones DIR            serve every *.zone master file in DIR

mdns options:
  --zones DIR                 directory of master files; the origin is the file name (example.com.zone)
                              unless the file opens with $ORIGIN
  --listen HOST:PORT          address to serve on, repeatable; IPv6 as [::1]:5354 (default 127.0.0.1:5354)
  --udp-payload-size N        largest UDP response and the size advertised in EDNS (default ${MDNS_DEFAULTS.udpPayloadSize})
  --udp-receive-buffer BYTES  SO_RCVBUF for UDP sockets (default ${MDNS_DEFAULTS.udpReceiveBuffer})
  --tcp-idle-timeout SECONDS  close TCP connections idle this long (default ${MDNS_DEFAULTS.tcpIdleTimeout})
  --tcp-message-timeout SECONDS  a started TCP message must arrive whole within this (default ${MDNS_DEFAULTS.tcpMessageTimeout})
  --tcp-max-connections N     concurrent TCP connections per address (default ${MDNS_DEFAULTS.tcpMaxConnections})
  --response-cache-size N     cached responses, 0 to disable (default ${MDNS_DEFAULTS.responseCacheSize})
  --compile-threads N         pool threads that compile zones (default: cores - 1, at least 1)

Logs are JSON lines on stdout; ZONECAST_LOG_LEVEL=debug|info|warn|error sets the level.
SIGTERM or SIGINT closes the sockets and exits.
`;

const DEMO_ZONES = resolve(import.meta.dirname, '../fixtures/zones');

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return;
  }
  if (command === 'start') return runMdns(['--zones', DEMO_ZONES, ...rest]);
  if (command === 'mdns') return runMdns(rest);
  throw new UsageError(`unknown command '${command}'`);
}

class UsageError extends Error {}

function numberOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} takes a non-negative number, not '${value}'`);
  return n;
}

async function runMdns(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      zones: { type: 'string' },
      listen: { type: 'string', multiple: true },
      'udp-payload-size': { type: 'string' },
      'udp-receive-buffer': { type: 'string' },
      'tcp-idle-timeout': { type: 'string' },
      'tcp-message-timeout': { type: 'string' },
      'tcp-max-connections': { type: 'string' },
      'response-cache-size': { type: 'string' },
      'compile-threads': { type: 'string' },
    },
    strict: true,
  });
  if (values.zones === undefined) throw new UsageError('mdns needs --zones DIR');
  const log = createLogger('mdns');
  const d = MDNS_DEFAULTS;
  const server = await MdnsServer.start({
    listen: (values.listen ?? ['127.0.0.1:5354']).map((l) => parseEndpoint(l)),
    udpPayloadSize: numberOption(values['udp-payload-size'], 'udp-payload-size', d.udpPayloadSize),
    udpReceiveBuffer: numberOption(values['udp-receive-buffer'], 'udp-receive-buffer', d.udpReceiveBuffer),
    tcpIdleTimeout: numberOption(values['tcp-idle-timeout'], 'tcp-idle-timeout', d.tcpIdleTimeout),
    tcpMessageTimeout: numberOption(values['tcp-message-timeout'], 'tcp-message-timeout', d.tcpMessageTimeout),
    tcpMaxConnections: numberOption(values['tcp-max-connections'], 'tcp-max-connections', d.tcpMaxConnections),
    responseCacheSize: numberOption(values['response-cache-size'], 'response-cache-size', d.responseCacheSize),
  }, log);
  const threads = values['compile-threads'] === undefined ? undefined : Math.max(1, numberOption(values['compile-threads'], 'compile-threads', 1));
  const pool = new CompilePool(threads);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await server.close();
    await pool.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  const summary = await loadZoneDirectory(resolve(values.zones), server.zones, pool, log);
  log.info({ ...summary, zones: server.zones.size }, 'zone directory loaded');
}

main(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`zonecast: ${err.message}\n${err instanceof UsageError ? "run 'zonecast --help' for usage\n" : ''}`);
  process.exit(2);
});
