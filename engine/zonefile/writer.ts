// A zone written in RFC 1035 master-file form: Designate's zone export (GET /v2/zones/tasks/exports/{id}/export,
// text/dns), and the text mdns compiles a stored zone from, with the same parser as zone files.

export interface ExportRecordSet {
  name: string; // absolute
  type: string;
  ttl: number | null; // null: the zone's default TTL, written bare so that it follows $TTL
  records: string[]; // presentation text, names absolute
}

export function exportZone(zone: string, defaultTtl: number, recordsets: Iterable<ExportRecordSet>): string {
  const lines = [`$ORIGIN ${zone}`, `$TTL ${defaultTtl}`];
  // The SOA first, as readers of master files (and our own zone-file parser's apex check) expect it.
  const ordered = [...recordsets].sort((x, y) => Number(y.type === 'SOA') - Number(x.type === 'SOA'));
  for (const rs of ordered) {
    // Designate's template, `{name} {ttl} IN {type} {data}`, byte for byte: a record without a TTL of its own
    // is written bare (re-imported, it still follows the zone's TTL), leaving two spaces, on which
    // designate-tempest-plugin's reader relies to keep data with spaces (an SOA's) in one field.
    for (const data of rs.records) lines.push(`${rs.name} ${rs.ttl ?? ''} IN ${rs.type} ${data}`);
  }
  return `${lines.join('\n')}\n`;
}
