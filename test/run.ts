// Runs every uvu suite under test/ in one process and ends with the line CI counts: `N passed, N failed`.
// uvu's own CLI prints only Total/Passed and cannot load TypeScript with top-level await, hence this runner.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = import.meta.dirname;
const only = process.argv.slice(2);

function collect(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files.push(...collect(path));
    else if (entry.endsWith('.test.ts')) files.push(path);
  }
  return files;
}

const files = collect(root).filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
const g = globalThis as Record<string, unknown>;
g.UVU_DEFER = 1;
g.UVU_QUEUE = [];
const uvu = await import('uvu');
for (const [index, file] of files.entries()) {
  (g.UVU_QUEUE as unknown[][]).push([relative(root, file)]);
  g.UVU_INDEX = index;
  await import(pathToFileURL(file).href);
}

let output = '';
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
  output += String(chunk);
  return write(chunk, ...rest);
}) as typeof process.stdout.write;
await uvu.exec();
process.stdout.write = write;

const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
const count = (label: string) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(plain)?.[1] ?? 0);
// uvu's Total counts the tests that ran; skipped ones are reported apart.
const total = count('Total');
const passed = count('Passed');
const skipped = count('Skipped');
console.log(`\n${passed} passed, ${total - passed} failed${skipped ? `, ${skipped} skipped` : ''}`);
if (total === 0 || total - passed > 0) process.exitCode = 1;
// Suites may leave sockets or pool threads behind on failure; the verdict is printed, so leave.
process.exit();
