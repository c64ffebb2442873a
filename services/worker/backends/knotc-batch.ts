// knotd's configuration, changed in batches: every change queued while a knotc run is under way goes into
// the next one, as one configuration transaction written to one knotc process's stdin (knotc reads commands
// there when it has no action, and prints one line per command: "OK" or "error: (reason) item"). One process
// and one transaction for many zones instead of a dozen processes per zone.
// knotd takes one transaction at a time: another process's is waited for, and one left open for
// STALE_TRANSACTION_MS (its owner died between conf-begin and conf-commit) is aborted, since knotd would
// otherwise refuse every change until someone did.
import { execFile } from 'node:child_process';
import { BackendError } from '../backend.ts';

const COMMAND_TIMEOUT_MS = 10_000;
const STALE_TRANSACTION_MS = 5_000;
/** Changes in one transaction at most. */
const MAX_BATCH = 200;

/** One command of a change, and which of knotd's refusals still mean the change holds. */
export interface KnotCommand {
  line: string;
  /** E.g. /duplicate identifier/ for a conf-set of what exists, /invalid identifier/ for a conf-unset of what does not. */
  fine?: RegExp;
}

interface Change {
  /** What the change is about (a zone): two changes of one subject never share a transaction. */
  subject: string;
  what: string;
  commands: KnotCommand[];
  resolve(): void;
  reject(err: Error): void;
}

export class KnotcBatcher {
  readonly #command: string;
  readonly #socket: string | undefined;
  readonly #pending: Change[] = [];
  #running = false;

  constructor(command: string, socket: string | undefined) {
    this.#command = command;
    this.#socket = socket;
  }

  /**
   * Applies `commands` in a transaction (shared with changes of other subjects); rejects naming `what` and
   * the refusal.
   */
  apply(subject: string, what: string, commands: KnotCommand[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ subject, what, commands, resolve, reject });
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#pending.length > 0) await this.#run(this.#nextBatch());
    } finally {
      this.#running = false;
    }
  }

  /** The oldest pending changes, up to the first that shares a subject with one taken (its order matters). */
  #nextBatch(): Change[] {
    const subjects = new Set<string>();
    let n = 0;
    while (n < this.#pending.length && n < MAX_BATCH && !subjects.has(this.#pending[n].subject)) subjects.add(this.#pending[n++].subject);
    return this.#pending.splice(0, n);
  }

  async #run(batch: Change[]): Promise<void> {
    // Commands several changes share (a remote, an ACL, a key) are sent once.
    const lines: string[] = [];
    const index = new Map<string, number>();
    for (const change of batch) {
      for (const c of change.commands) {
        if (!index.has(c.line)) index.set(c.line, lines.push(c.line));
      }
    }
    const script = ['conf-begin', ...lines, 'conf-commit'];
    let staleAt = performance.now() + STALE_TRANSACTION_MS;
    let aborted = false;
    for (let wait = 20; ; wait = Math.min(wait * 2, 500)) {
      let out: string[];
      try {
        out = await this.#knotc(script);
      } catch (err) {
        for (const change of batch) change.reject(new BackendError(`knot2 ${change.what}: ${(err as Error).message}`));
        return;
      }
      const begin = out[0] ?? 'no answer';
      if (/too many transactions/i.test(begin)) {
        if (aborted && performance.now() > staleAt) {
          for (const change of batch) change.reject(new BackendError(`knot2 ${change.what}: knotc conf-begin: ${begin}`));
          return;
        }
        if (!aborted && performance.now() > staleAt) {
          await this.#knotc(['conf-abort']).catch(() => {});
          aborted = true;
          staleAt = performance.now() + STALE_TRANSACTION_MS;
        }
        await new Promise((r) => setTimeout(r, wait));
        continue;
      }
      const commit = out[script.length - 1] ?? 'no answer';
      const failure = begin !== 'OK' ? `conf-begin: ${begin}` : commit !== 'OK' ? `conf-commit: ${commit}` : null;
      if (failure !== null) {
        if (begin === 'OK') await this.#knotc(['conf-abort']).catch(() => {});
        for (const change of batch) change.reject(new BackendError(`knot2 ${change.what}: knotc ${failure}`));
        return;
      }
      for (const change of batch) {
        const refused = change.commands.find((c) => {
          const said = out[index.get(c.line)!] ?? 'no answer';
          return said !== 'OK' && !(c.fine?.test(said) ?? false);
        });
        if (refused) change.reject(new BackendError(`knot2 ${change.what}: knotc ${refused.line}: ${out[index.get(refused.line)!]}`));
        else change.resolve();
      }
      return;
    }
  }

  /** One command outside any transaction (e.g. zone-refresh); rejects with what knotc said unless it said OK. */
  async command(line: string): Promise<void> {
    const [said = 'no answer'] = await this.#knotc([line]);
    if (said !== 'OK') throw new Error(`knotc ${line}: ${said}`);
  }

  /** Runs knotc with `commands` on its stdin; resolves with its output lines, one per command. */
  #knotc(commands: string[]): Promise<string[]> {
    const args = this.#socket ? ['-s', this.#socket] : [];
    return new Promise((resolve, reject) => {
      const child = execFile(this.#command, args, { timeout: COMMAND_TIMEOUT_MS }, (err, stdout, stderr) => {
        const said = `${stdout}${stderr}`.trim();
        // Without a connection knotc prints one error and stops: no line per command.
        if (err || /failed to connect/i.test(said)) reject(new Error(`knotc: ${said || (err as Error).message}`));
        else resolve(stdout.split('\n').map((l) => l.trim()).filter((l) => l !== ''));
      });
      child.stdin!.end(`${commands.join('\n')}\n`);
    });
  }
}
