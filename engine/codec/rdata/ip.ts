// IPv4 and IPv6 addresses in presentation form (A: RFC 1035 §3.4.1, AAAA: RFC 3596 §2.4, RFC 4291 §2.2),
// parsed straight from bytes. Parsing is as strict as BIND's inet_pton: exactly four dotted decimals
// without leading zeros (so `010.1.1.1` cannot be read as octal by anyone), and IPv6 with at most one `::`.

/** Writes 4 bytes at `off`; false when src[s, e) is not a dotted quad. */
export function ipv4FromBytes(src: Uint8Array, s: number, e: number, out: Uint8Array, off: number): boolean {
  let part = 0, value = 0, digits = 0;
  for (let i = s; i < e; i++) {
    const c = src[i];
    if (c === 0x2e) {
      if (digits === 0 || part === 3) return false;
      out[off + part++] = value;
      value = 0;
      digits = 0;
      continue;
    }
    const d = c - 0x30;
    if (d < 0 || d > 9 || (digits > 0 && value === 0)) return false;
    value = value * 10 + d;
    if (++digits > 3 || value > 255) return false;
  }
  if (digits === 0 || part !== 3) return false;
  out[off + 3] = value;
  return true;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  c |= 0x20;
  return c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
}

/** Writes 16 bytes at `off`; false when src[s, e) is not an IPv6 address (RFC 4291 §2.2 forms 1-3). */
export function ipv6FromBytes(src: Uint8Array, s: number, e: number, out: Uint8Array, off: number): boolean {
  let words = 0; // 16-bit groups written so far
  let gap = -1; // group index where `::` stands
  let i = s;
  if (e - i >= 2 && src[i] === 0x3a) {
    if (src[i + 1] !== 0x3a) return false;
    gap = 0;
    i += 2;
  }
  while (i < e) {
    let j = i, value = 0;
    for (let d = hexDigit(src[j]); j < e && d >= 0; d = hexDigit(src[++j])) value = (value << 4) | d;
    if (j < e && src[j] === 0x2e) {
      // Embedded IPv4 (form 3): only as the last 32 bits.
      if (words > 6 || !ipv4FromBytes(src, i, e, out, off + words * 2)) return false;
      words += 2;
      break;
    }
    if (j === i || j - i > 4 || words === 8) return false;
    out[off + words * 2] = value >> 8;
    out[off + words * 2 + 1] = value;
    words++;
    if (j === e) break;
    if (src[j] !== 0x3a || ++j === e) return false;
    if (src[j] === 0x3a) {
      if (gap >= 0) return false;
      gap = words;
      j++;
    }
    i = j;
  }
  if (gap < 0) return words === 8;
  if (words > 7) return false;
  // Slide the groups after `::` to the end and zero the hole.
  const tail = (words - gap) * 2, shift = (8 - words) * 2;
  for (let k = tail - 1; k >= 0; k--) out[off + gap * 2 + shift + k] = out[off + gap * 2 + k];
  for (let k = 0; k < shift; k++) out[off + gap * 2 + k] = 0;
  return true;
}

export function ipv4ToText(buf: Uint8Array, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

/**
 * RFC 5952 §4 text (lower case, longest run of two or more zero groups as `::`, first on ties), with the
 * IPv4-compatible (`::1.2.3.4`, but not `::2`) and IPv4-mapped forms in dotted quad, as BIND prints them.
 */
export function ipv6ToText(buf: Uint8Array, off: number): string {
  const w = (k: number) => (buf[off + 2 * k] << 8) | buf[off + 2 * k + 1];
  let bestStart = -1, bestLen = 0;
  for (let k = 0; k < 8;) {
    if (w(k) !== 0) { k++; continue; }
    let n = k;
    while (n < 8 && w(n) === 0) n++;
    if (n - k > bestLen) { bestStart = k; bestLen = n - k; }
    k = n;
  }
  if (bestLen < 2) bestStart = -1;
  const embedsV4 = bestStart === 0 && (bestLen === 6 || (bestLen === 5 && w(5) === 0xffff));
  if (embedsV4) return (bestLen === 5 ? '::ffff:' : '::') + ipv4ToText(buf, off + 12);
  let text = '';
  for (let k = 0; k < 8; k++) {
    if (k === bestStart) {
      text += k === 0 ? '::' : ':';
      k += bestLen - 1;
      continue;
    }
    text += w(k).toString(16) + (k < 7 ? ':' : '');
  }
  return text;
}
