// Which configuration files a Designate service reads, by oslo.config's rules, so that `zonecast
// designate-mdns` started with designate-mdns's own command line reads the same settings: `--config-file`
// and `--config-dir` in the order given, a later value overriding an earlier one; a directory contributes
// its `*.conf` files in name order; with neither, oslo's default places for the project and the program.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, readConfigFile } from './options.ts';
import type { IniDocument } from './ini.ts';

export interface ConfigPlace {
  kind: 'file' | 'dir';
  path: string;
}

/** `--config-file F`, `--config-file=F`, `--config-dir D` in order; the other arguments are left for the caller. */
export function configPlaces(argv: readonly string[]): { places: ConfigPlace[]; rest: string[] } {
  const places: ConfigPlace[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--config-(file|dir)(?:=(.*))?$/.exec(argv[i]);
    if (m === null) {
      rest.push(argv[i]);
      continue;
    }
    const path = m[2] ?? argv[++i];
    if (path === undefined || path === '') throw new ConfigError(`--config-${m[1]} needs a path`);
    places.push({ kind: m[1] as 'file' | 'dir', path });
  }
  return { places, rest };
}

/**
 * oslo.config's find_config_files/find_config_dirs for `project` and `prog`: in ~/.project, ~, /etc/project
 * and /etc, the first `project.conf` and `prog.conf` found, then the first `project.conf.d` and `prog.conf.d`.
 */
export function defaultPlaces(project: string, prog: string, home = homedir()): ConfigPlace[] {
  const dirs = [join(home, `.${project}`), home, join('/etc', project), '/etc'];
  const first = (name: string, kind: 'file' | 'dir'): ConfigPlace[] => {
    for (const dir of dirs) {
      const path = join(dir, name);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (stat !== undefined && (kind === 'dir' ? stat.isDirectory() : stat.isFile())) return [{ kind, path }];
    }
    return [];
  };
  return [...first(`${project}.conf`, 'file'), ...first(`${prog}.conf`, 'file'), ...first(`${project}.conf.d`, 'dir'), ...first(`${prog}.conf.d`, 'dir')];
}

/** The files of `places` read and merged: per option, the last file that sets it wins. Returns the files read too. */
export function readConfigPlaces(places: readonly ConfigPlace[]): { doc: IniDocument; files: string[] } {
  const files: string[] = [];
  for (const place of places) {
    if (place.kind === 'file') {
      if (!existsSync(place.path)) throw new ConfigError(`config file not found: ${place.path}`);
      files.push(place.path);
      continue;
    }
    let names: string[];
    try {
      names = readdirSync(place.path);
    } catch {
      throw new ConfigError(`config directory not found: ${place.path}`);
    }
    files.push(...names.filter((n) => n.endsWith('.conf')).sort().map((n) => join(place.path, n)));
  }
  const doc: IniDocument = new Map();
  for (const file of files) {
    for (const [section, options] of readConfigFile(file)) {
      const merged = doc.get(section) ?? new Map<string, string>();
      for (const [name, value] of options) merged.set(name, value);
      doc.set(section, merged);
    }
  }
  return { doc, files };
}
