// Plain-text tables for the terminal, and result files that record enough
// context (commit, versions, CPU) to compare runs made on different days.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, release } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR } from './dataset.ts';
import { which } from './packages.ts';

/** The first `labels` columns are left-aligned, the rest (numbers) right-aligned. */
export function table(header: string[], rows: string[][], labels = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < labels ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-';

export const mib = (bytes: number): string => fmt(bytes / 2 ** 20, 1);

function firstLine(cmd: string, args: string[]): string {
  const path = which(cmd);
  if (!path) return 'absent';
  const r = spawnSync(path, args, { encoding: 'utf8' });
  return `${r.stdout}\n${r.stderr}`.split('\n').find((l) => /\d+\.\d+/.test(l))?.trim() ?? 'unknown';
}

function gitCommit(): string {
  try {
    const repo = join(BENCH_DIR, '..');
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const sha = git('rev-parse', 'HEAD');
    const dirty = git('status', '--porcelain') !== '';
    return dirty ? `${sha}-dirty` : sha;
  } catch {
    return 'unknown';
  }
}

export function environment(): Record<string, string | number> {
  const cpu = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  return {
    date: new Date().toISOString(),
    node: process.version,
    commit: gitCommit(),
    knot: firstLine('knotd', ['--version']),
    dnsperf: firstLine('dnsperf', ['-h']).replace(/^Version\s*/, ''),
    kernel: release(),
    cpu,
    cores: availableParallelism(),
  };
}

/** Writes results/<kind>-<date>.json and .txt; returns the paths. */
export function writeResults(kind: string, env: Record<string, string | number>, data: unknown, text: string): string[] {
  const dir = join(BENCH_DIR, 'results');
  mkdirSync(dir, { recursive: true });
  const stem = join(dir, `${kind}-${String(env.date).replace(/[:.]/g, '-')}`);
  const header = Object.entries(env).map(([k, v]) => `${k}: ${v}`).join('\n');
  writeFileSync(`${stem}.json`, JSON.stringify({ ...env, results: data }, null, 2) + '\n');
  writeFileSync(`${stem}.txt`, `${header}\n\n${text}\n`);
  return [`${stem}.json`, `${stem}.txt`];
}
