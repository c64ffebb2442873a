// Designate's notification handlers (designate.md §6): nova_fixed turns a Nova instance's fixed IPs into
// A/AAAA records and removes them with the instance; neutron_floatingip does the same for a floating IP
// while it is associated. Names come from `formatv4` / `formatv6` templates filled with the payload, the
// zone's name, `ip_version`, `ip_address` (dots or colons as dashes) and `octetN`, as Designate fills them.
import type { ManagedRecord } from '../central/managed-records.ts';
import type { Notification } from '../messaging/notifications.ts';

export interface HandlerConfig {
  zoneId: string;
  zoneName: string;
  formatv4: string[];
  formatv6: string[];
}

/** What one notification asks for: records to add for a resource, or a resource's records to remove. */
export type SinkAction =
  | { kind: 'add'; records: ManagedRecord[] }
  | { kind: 'remove'; resourceType: string; resourceId: string }
  | null;

export interface NotificationHandler {
  name: 'nova_fixed' | 'neutron_floatingip';
  /** The exchange its service publishes to by default (`control_exchange`). */
  defaultExchange: string;
  /** null: an event this handler does not act on. Throws on a payload it cannot use. */
  act(n: Notification, config: HandlerConfig): SinkAction;
}

interface Address {
  address: string;
  version: number;
}

/** `%(name)s` filled from `values`; a name the values lack is an error, as Python's % formatting is. */
function fillTemplate(template: string, values: Record<string, unknown>): string {
  return template.replace(/%\((\w+)\)s/g, (_, key: string) => {
    if (!(key in values) || values[key] === null || values[key] === undefined) throw new Error(`format ${template}: no ${key}`);
    return String(values[key]);
  });
}

function ipData(a: Address): Record<string, string | number> {
  const data: Record<string, string | number> = { ip_version: a.version };
  if (a.version === 4) {
    data.ip_address = a.address.replaceAll('.', '-');
    a.address.split('.').forEach((o, i) => (data[`octet${i}`] = o));
  } else {
    data.ip_address = a.address.replaceAll(':', '-');
    a.address.split(/::|:/).forEach((o, i) => (data[`octet${i}`] = o));
  }
  return data;
}

/** One managed record per address and format, named from the payload. */
function records(handler: NotificationHandler['name'], resourceType: string, resourceId: string, tenantId: string | null,
  addresses: Address[], extra: Record<string, unknown>, config: HandlerConfig): ManagedRecord[] {
  const out: ManagedRecord[] = [];
  for (const a of addresses) {
    const values = { ...extra, zone: config.zoneName.replace(/\.$/, ''), ...ipData(a) };
    for (const format of a.version === 4 ? config.formatv4 : config.formatv6) {
      const name = `${fillTemplate(format, values).replace(/\.$/, '')}.`.toLowerCase();
      out.push({ name, type: a.version === 4 ? 'A' : 'AAAA', data: a.address, pluginType: 'handler', pluginName: handler, resourceType, resourceId, tenantId });
    }
  }
  return out;
}

const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string' || v === '') throw new Error(`payload has no ${what}`);
  return v;
};

export const NOVA_FIXED: NotificationHandler = {
  name: 'nova_fixed',
  defaultExchange: 'nova',
  act(n, config) {
    const p = n.payload;
    if (n.eventType === 'compute.instance.create.end') {
      const instanceId = str(p.instance_id, 'instance_id');
      const fixed = Array.isArray(p.fixed_ips) ? (p.fixed_ips as Record<string, unknown>[]) : [];
      const addresses = fixed.map((f) => ({ address: str(f.address, 'fixed_ips[].address'), version: Number(f.version ?? 4) }));
      const extra = { ...p, project: p.project_name ?? p.tenant_id, label: fixed[0]?.label };
      return { kind: 'add', records: records('nova_fixed', 'instance', instanceId, (p.tenant_id as string) ?? null, addresses, extra, config) };
    }
    if (n.eventType === 'compute.instance.delete.start') return { kind: 'remove', resourceType: 'instance', resourceId: str(p.instance_id, 'instance_id') };
    return null;
  },
};

export const NEUTRON_FLOATINGIP: NotificationHandler = {
  name: 'neutron_floatingip',
  defaultExchange: 'neutron',
  act(n, config) {
    if (n.eventType === 'floatingip.delete.start') {
      return { kind: 'remove', resourceType: 'floatingip', resourceId: str(n.payload.floatingip_id ?? (n.payload.floatingip as Record<string, unknown> | undefined)?.id, 'floatingip_id') };
    }
    if (n.eventType !== 'floatingip.update.end') return null;
    const fip = n.payload.floatingip as Record<string, unknown> | undefined;
    if (fip === undefined || fip === null || typeof fip !== 'object') throw new Error('payload has no floatingip');
    const id = str(fip.id, 'floatingip.id');
    // Disassociated (no fixed IP any more): its records go.
    if (!fip.fixed_ip_address) return { kind: 'remove', resourceType: 'floatingip', resourceId: id };
    const address = str(fip.floating_ip_address, 'floatingip.floating_ip_address');
    const extra = { ...fip, project: fip.project_id ?? fip.tenant_id };
    return { kind: 'add', records: records('neutron_floatingip', 'floatingip', id, (fip.tenant_id as string) ?? null, [{ address, version: address.includes(':') ? 6 : 4 }], extra, config) };
  },
};

export const HANDLERS: readonly NotificationHandler[] = [NOVA_FIXED, NEUTRON_FLOATINGIP];
