// Reads configuration files the way oslo.config does (Designate's designate.conf), so operators' files
// mean the same thing here: `key = value` or `key: value`; comments only as whole lines (`#` or `;`), so a
// `#` inside a value stays part of it; one pair of surrounding quotes stripped; a line starting with a
// space or tab continues the previous value; a blank line ends it.

export class IniError extends Error {
  override name = 'IniError';
}

/** section → option → raw value (the last assignment wins, as in oslo.config). */
export type IniDocument = Map<string, Map<string, string>>;

export function parseIni(text: string, file = 'config'): IniDocument {
  const doc: IniDocument = new Map();
  let section: Map<string, string> | null = null;
  let last: { key: string; section: Map<string, string> } | null = null;
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const where = `${file}:${i + 1}`;
    if (raw.trim() === '') {
      last = null;
      continue;
    }
    if (/^[ \t]/.test(raw) && last !== null && !/^\s*[#;]/.test(raw)) {
      last.section.set(last.key, `${last.section.get(last.key)}\n${unquote(raw.trim())}`);
      continue;
    }
    const line = raw.trim();
    if (line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      const name = header[1].trim();
      section = doc.get(name) ?? new Map();
      doc.set(name, section);
      last = null;
      continue;
    }
    const m = /^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/.exec(line);
    if (!m) throw new IniError(`${where}: expected 'key = value' or a [section], not '${line}'`);
    if (section === null) throw new IniError(`${where}: '${m[1]}' comes before any [section]`);
    section.set(m[1], unquote(m[2]));
    last = { key: m[1], section };
  }
  return doc;
}

function unquote(value: string): string {
  const q = value[0];
  return value.length >= 2 && (q === '"' || q === "'") && value.at(-1) === q ? value.slice(1, -1) : value;
}
