// The Piscina pool for coarse work (zone compiles now; transfers and NOTIFY fan-out later). Per-task
// overhead is tens of microseconds, so it never sees individual queries.
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { CatalogRequest } from '../catalog/catalog.ts';
import type { BuildResult } from '../snapshot/builder.ts';
import type {
  AxfrRequest, CompileRequest, CompileResult, CompileTextRequest, DiffRequest, JournalApplyRequest, PatchTextRequest, PatchTextResult, TransferCompileRequest, TransferCompileResult,
} from './compile-worker.ts';

/** Told of every task when it ends: its name, how long it took from being queued, and whether it succeeded. */
export type TaskObserver = (task: string, seconds: number, ok: boolean) => void;

export class CompilePool {
  private readonly pool: Piscina;
  private readonly observer: TaskObserver | null;
  private closing = false;

  constructor(threads = Math.max(1, availableParallelism() - 1), observer: TaskObserver | null = null) {
    this.observer = observer;
    this.pool = new Piscina({
      filename: new URL('./compile-worker.ts', import.meta.url).href,
      minThreads: 1,
      maxThreads: threads,
      // Idle threads linger so a burst of reloads does not pay thread start-up each time.
      idleTimeout: 60_000,
    });
    // A worker's answer to a task that destroy() already settled arrives as an 'error' event; only then is it
    // expected. Any other is a bug, and stays fatal.
    this.pool.on('error', (err: Error) => {
      if (!this.closing) throw err;
    });
  }

  /** close() has been called: a task cut short by it failed for that reason alone. */
  get closed(): boolean {
    return this.closing;
  }

  compile(request: CompileRequest): Promise<CompileResult> {
    return this.run(request, 'compile');
  }

  /** Master-file text, such as a stored zone rendered for compiling: the same parser and rules as files. */
  compileText(request: CompileTextRequest): Promise<CompileResult> {
    return this.run(request, 'compileText');
  }

  /** A change of a few RRsets applied to the serving version: milliseconds where compileText takes the zone's size. */
  patchText(request: PatchTextRequest): Promise<PatchTextResult> {
    return this.run(request, 'patchText');
  }

  /** A saved image brought up to date with stored journal steps. */
  applyJournal(request: JournalApplyRequest): Promise<PatchTextResult> {
    return this.run(request, 'applyJournal');
  }

  /** Fills an AXFR image (allocateAxfrImage) message by message; readers may send what is there meanwhile. */
  renderAxfr(request: AxfrRequest): Promise<number> {
    return this.run(request, 'renderAxfr');
  }

  /** The messages cross to the pool thread as a transfer list: no copy of a large zone. */
  compileTransfer(request: TransferCompileRequest): Promise<TransferCompileResult> {
    return this.run(request, 'compileTransfer', request.messages.map((m) => m.buffer as ArrayBuffer));
  }

  /** A catalog of 100,000 members takes most of a second to build: never on the answering thread. */
  catalog(request: CatalogRequest): Promise<BuildResult> {
    return this.run(request, 'buildCatalog');
  }

  diff(request: DiffRequest): Promise<Uint8Array> {
    return this.run(request, 'diffZone');
  }

  /** `name` is the worker's export the task runs ('compile': the default export). */
  private run<R>(request: unknown, name: string, transferList?: ArrayBuffer[]): Promise<R> {
    const task: Promise<R> = this.pool.run(request, { ...(name === 'compile' ? {} : { name }), ...(transferList ? { transferList } : {}) });
    const observer = this.observer;
    if (observer === null) return task;
    const started = performance.now();
    return task.then((result) => {
      observer(name, (performance.now() - started) / 1000, true);
      return result;
    }, (err: unknown) => {
      observer(name, (performance.now() - started) / 1000, false);
      throw err;
    });
  }

  close(): Promise<void> {
    this.closing = true;
    return this.pool.destroy();
  }
}
