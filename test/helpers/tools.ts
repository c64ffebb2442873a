// External programs that interop tests drive. .ci/run installs them; under CI=true a missing one fails the
// run instead of skipping quietly, elsewhere the suite says what it skipped and why.
import { which } from '../../native-bench/lib/packages.ts';

export function tool(binary: string, debianPackage: string): string | null {
  const path = which(binary);
  if (path !== undefined) return path;
  const message = `${binary} not found: apt-get install ${debianPackage}`;
  if (process.env.CI === 'true') throw new Error(message);
  console.log(`  (skipped: ${message})`);
  return null;
}
