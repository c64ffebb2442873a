// Reading Prometheus exposition text in tests. The registry is the process's, and every suite runs in one
// process, so tests compare a scrape after their traffic with one before it.
import { scrapeMetrics } from '../../services/metrics/registry.ts';

/** The value of `name{labels}` (labels exactly as exposed, in order; '' for none), or 0 when absent. */
export function sample(text: string, name: string, labels = ''): number {
  const head = labels === '' ? `${name} ` : `${name}{${labels}} `;
  const line = text.split('\n').find((l) => l.startsWith(head));
  return line === undefined ? 0 : Number(line.slice(head.length));
}

/** This process's exposition text, as /metrics serves it. */
export async function scrape(): Promise<string> {
  return (await scrapeMetrics()).text;
}

/** How much each sample named moved between two scrapes. */
export function moved(before: string, after: string, name: string, labels = ''): number {
  return sample(after, name, labels) - sample(before, name, labels);
}
