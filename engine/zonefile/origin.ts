// Which zone a master file describes: named after the file (`example.com.zone` → `example.com.`), unless
// the file opens with an absolute `$ORIGIN` before its first record, as BIND's zone files often do.
import { closeSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';

const HEAD_BYTES = 4096;

export function zoneOriginOf(file: string): string {
  const fromName = basename(file).replace(/\.zone$/i, '');
  const head = readHead(file);
  for (const raw of head.split('\n')) {
    const line = raw.replace(/;.*/, '').trim();
    if (line === '') continue;
    const m = /^\$ORIGIN\s+(\S+\.)\s*$/i.exec(line);
    if (m) return m[1];
    if (!/^\$TTL\b/i.test(line)) break; // a record or another directive: the name decides
  }
  return fromName.endsWith('.') ? fromName : `${fromName}.`;
}

function readHead(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, buf, 0, HEAD_BYTES, 0);
    return buf.toString('latin1', 0, n);
  } finally {
    closeSync(fd);
  }
}
