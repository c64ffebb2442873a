// Designate's pools.yaml (`designate-manage pool update --file`, and `zonecast manage pool-update --file`):
// a list of pools with the NS records they publish, the nameservers polled for serials, the targets that are
// told about zones, extra NOTIFY recipients, and an optional catalog zone. Errors name the path of the bad
// field, e.g. `pools[0].targets[1].masters[0].port`.
import { isIP } from 'node:net';
import { parse } from 'yaml';

export interface HostPort {
  host: string;
  port: number;
}

export interface PoolDefinition {
  name: string;
  description: string;
  attributes: Record<string, string>;
  nsRecords: { hostname: string; priority: number }[];
  nameservers: (HostPort & { tsigkeyId: string | null })[];
  targets: { type: string; description: string; masters: HostPort[]; options: Record<string, string | number | boolean>; tsigkeyId: string | null }[];
  alsoNotifies: HostPort[];
  catalogZone: { fqdn: string; refresh: number; tsigKey: string | null; tsigAlgorithm: string | null } | null;
}

export class PoolsYamlError extends Error {
  override name = 'PoolsYamlError';
}

type Obj = Record<string, unknown>;

function fail(path: string, message: string): never {
  throw new PoolsYamlError(`${path}: ${message}`);
}

function obj(value: unknown, path: string): Obj {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(path, 'expected a map');
  return value as Obj;
}

function list(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(path, 'expected a list');
  return value;
}

function str(value: unknown, path: string, optional = false): string {
  if ((value === undefined || value === null) && optional) return '';
  if (typeof value !== 'string' || value === '') fail(path, 'expected a non-empty string');
  return value;
}

function port(value: unknown, path: string): number {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 65535) fail(path, 'expected a port number');
  return value as number;
}

function hostPort(value: unknown, path: string, defaultPort: number): HostPort {
  const o = obj(value, path);
  const host = str(o.host, `${path}.host`);
  if (isIP(host) === 0) fail(`${path}.host`, `'${host}' is not an IP address`);
  return { host, port: o.port === undefined ? defaultPort : port(o.port, `${path}.port`) };
}

function fqdn(value: unknown, path: string): string {
  const name = str(value, path);
  if (!name.endsWith('.')) fail(path, `'${name}' must be fully qualified (end with a dot)`);
  return name;
}

function pool(value: unknown, path: string): PoolDefinition {
  const o = obj(value, path);
  const nsRecords = list(o.ns_records, `${path}.ns_records`).map((r, i) => {
    const p = `${path}.ns_records[${i}]`;
    const ns = obj(r, p);
    if (!Number.isInteger(ns.priority)) fail(`${p}.priority`, 'expected an integer');
    return { hostname: fqdn(ns.hostname, `${p}.hostname`), priority: ns.priority as number };
  });
  // Designate refuses a pool without NS records: zones in it could publish no NS RRset (NoServersConfigured).
  if (nsRecords.length === 0) fail(`${path}.ns_records`, 'a pool needs at least one NS record');
  const catalog = o.catalog_zone === undefined || o.catalog_zone === null ? null : obj(o.catalog_zone, `${path}.catalog_zone`);
  return {
    name: str(o.name, `${path}.name`),
    description: str(o.description, `${path}.description`, true),
    attributes: Object.fromEntries(Object.entries(o.attributes === undefined || o.attributes === null ? {} : obj(o.attributes, `${path}.attributes`)).map(([k, v]) => [k, String(v)])),
    nsRecords,
    nameservers: list(o.nameservers, `${path}.nameservers`).map((n, i) => {
      const p = `${path}.nameservers[${i}]`;
      const tsig = obj(n, p).tsigkey_id;
      return { ...hostPort(n, p, 53), tsigkeyId: tsig === undefined || tsig === null ? null : str(tsig, `${p}.tsigkey_id`) };
    }),
    targets: list(o.targets, `${path}.targets`).map((t, i) => {
      const p = `${path}.targets[${i}]`;
      const target = obj(t, p);
      const options = target.options === undefined || target.options === null ? {} : obj(target.options, `${p}.options`);
      return {
        type: str(target.type, `${p}.type`),
        description: str(target.description, `${p}.description`, true),
        // The key the target signs its transfers from the masters with (and the worker its NOTIFY to it).
        tsigkeyId: target.tsigkey_id === undefined || target.tsigkey_id === null ? null : str(target.tsigkey_id, `${p}.tsigkey_id`),
        masters: list(target.masters, `${p}.masters`).map((m, j) => hostPort(m, `${p}.masters[${j}]`, 5354)),
        options: Object.fromEntries(Object.entries(options).map(([k, v]) => {
          if (!['string', 'number', 'boolean'].includes(typeof v)) fail(`${p}.options.${k}`, 'expected a string, number or boolean');
          return [k, v as string | number | boolean];
        })),
      };
    }),
    alsoNotifies: list(o.also_notifies, `${path}.also_notifies`).map((n, i) => hostPort(n, `${path}.also_notifies[${i}]`, 53)),
    catalogZone: catalog === null ? null : {
      fqdn: fqdn(catalog.catalog_zone_fqdn, `${path}.catalog_zone.catalog_zone_fqdn`),
      refresh: catalog.catalog_zone_refresh === undefined ? 60 : port(catalog.catalog_zone_refresh, `${path}.catalog_zone.catalog_zone_refresh`),
      tsigKey: catalog.catalog_zone_tsig_key === undefined ? null : str(catalog.catalog_zone_tsig_key, `${path}.catalog_zone.catalog_zone_tsig_key`),
      tsigAlgorithm: catalog.catalog_zone_tsig_algorithm === undefined ? null : str(catalog.catalog_zone_tsig_algorithm, `${path}.catalog_zone.catalog_zone_tsig_algorithm`),
    },
  };
}

export function parsePoolsYaml(text: string): PoolDefinition[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new PoolsYamlError(`pools.yaml: ${(err as Error).message}`);
  }
  const pools = list(doc, 'pools').map((p, i) => pool(p, `pools[${i}]`));
  const names = new Set<string>();
  for (const [i, p] of pools.entries()) {
    if (names.has(p.name)) fail(`pools[${i}].name`, `'${p.name}' is defined twice`);
    names.add(p.name);
  }
  return pools;
}
