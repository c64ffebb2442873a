// Per-zone settings for the zone-directory mode: an optional `zones.yaml` beside the master files, with
// Designate's names. A zone listed with `masters` is a secondary zone (it has no master file); the other
// keys refine the command-line defaults for one zone.
//
//   example.com.:
//     allow_transfer: [192.0.2.0/28, key=xfr-key]
//     also_notify: ["192.0.2.2:53", "192.0.2.3:53,key=xfr-key"]
//   imported.example.:
//     masters: ["192.0.2.10:53,key=xfr-key"]
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { nameFromText, nameToText } from '../../engine/codec/name.ts';
import { TransferAcl } from '../../engine/net/acl.ts';
import type { TsigKeyring } from '../../engine/tsig/keys.ts';
import { parseRemote, type NotifyTargetSpec } from './notifier.ts';

export interface ZoneConfig {
  allowTransfer: TransferAcl | null;
  alsoNotify: NotifyTargetSpec[] | null;
  masters: NotifyTargetSpec[] | null;
}

const KEYS = new Set(['allow_transfer', 'also_notify', 'masters']);

export class ZoneConfigError extends Error {
  override name = 'ZoneConfigError';
}

/** Reads `file` (absent: no per-zone settings). Errors name the zone and the setting. */
export function loadZoneConfig(file: string, keyring: TsigKeyring): Map<string, ZoneConfig> {
  const zones = new Map<string, ZoneConfig>();
  if (!existsSync(file)) return zones;
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ZoneConfigError(`${file}: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return zones;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ZoneConfigError(`${file}: expected a map of zone names`);
  for (const [name, settings] of Object.entries(doc as Record<string, unknown>)) {
    const where = `${file}: zone ${name}`;
    let zone: string;
    try {
      zone = nameToText(nameFromText(name.endsWith('.') ? name : `${name}.`), 0).toLowerCase();
    } catch (err) {
      throw new ZoneConfigError(`${where}: ${(err as Error).message}`);
    }
    const s = (settings ?? {}) as Record<string, unknown>;
    if (typeof s !== 'object' || Array.isArray(s)) throw new ZoneConfigError(`${where}: expected a map of settings`);
    for (const key of Object.keys(s)) if (!KEYS.has(key)) throw new ZoneConfigError(`${where}: unknown setting '${key}' (known: ${[...KEYS].join(', ')})`);
    const list = (key: string): string[] | null => {
      if (s[key] === undefined) return null;
      if (!Array.isArray(s[key]) || !(s[key] as unknown[]).every((x) => typeof x === 'string')) throw new ZoneConfigError(`${where}: '${key}' must be a list of strings`);
      return s[key] as string[];
    };
    try {
      const acl = list('allow_transfer');
      const notify = list('also_notify');
      const masters = list('masters');
      if (masters !== null && masters.length === 0) throw new Error("'masters' must name at least one primary");
      zones.set(zone, {
        allowTransfer: acl === null ? null : new TransferAcl(acl),
        alsoNotify: notify === null ? null : notify.map((t) => parseRemote(t, keyring)),
        masters: masters === null ? null : masters.map((t) => parseRemote(t, keyring)),
      });
    } catch (err) {
      throw new ZoneConfigError(`${where}: ${(err as Error).message}`);
    }
  }
  return zones;
}
