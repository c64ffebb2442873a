// What `zonecast designate-mdns` adds to mdns's metrics: the questions checked against Designate's
// database, the check rounds and SQL statements that took, and the answers given without a finished check
// (a stalled or unreachable database). Read at scrape time from the running instances' own counts.
import { registerSampled } from '../metrics/registry.ts';

export interface DropinCounts {
  /** Questions that waited for a check, rounds run, and answers given without one. */
  readonly counts: { questions: number; rounds: number; unchecked: number };
  /** SQL statements sent. */
  readonly statements: number;
}

const running = new Set<DropinCounts>();
const sum = (read: (c: DropinCounts) => number) => [{ value: [...running].reduce((n, c) => n + read(c), 0) }];

registerSampled('zonecast_designate_mdns_questions_checked_total', "Questions that waited for a check of their zone in Designate's database", 'counter',
  () => sum((c) => c.counts.questions));
registerSampled('zonecast_designate_mdns_check_rounds_total', 'Check rounds run (one statement each; questions arriving together share one)', 'counter',
  () => sum((c) => c.counts.rounds));
registerSampled('zonecast_designate_mdns_unchecked_answers_total', 'Questions answered from the versions compiled (or SERVFAIL) because the database did not answer in time', 'counter',
  () => sum((c) => c.counts.unchecked));
registerSampled('zonecast_designate_mdns_sql_statements_total', "SQL statements sent to Designate's database", 'counter',
  () => sum((c) => c.statements));

/** Counts `instance` until the returned function is called. */
export function meterDropin(instance: DropinCounts): () => void {
  running.add(instance);
  return () => running.delete(instance);
}
