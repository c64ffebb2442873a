// The Piscina pool for coarse work (zone compiles now; transfers and NOTIFY fan-out later). Per-task
// overhead is tens of microseconds, so it never sees individual queries.
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { CatalogRequest } from '../catalog/catalog.ts';
import type { BuildResult } from '../snapshot/builder.ts';
import type {
  AxfrRequest, CompileRequest, CompileResult, CompileTextRequest, DiffRequest, JournalApplyRequest, PatchTextRequest, PatchTextResult, TransferCompileRequest, TransferCompileResult,
} from './compile-worker.ts';

export class CompilePool {
  private readonly pool: Piscina;
  private closing = false;

  constructor(threads = Math.max(1, availableParallelism() - 1)) {
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

  compile(request: CompileRequest): Promise<CompileResult> {
    return this.pool.run(request);
  }

  /** Master-file text, such as a stored zone rendered for compiling: the same parser and rules as files. */
  compileText(request: CompileTextRequest): Promise<CompileResult> {
    return this.pool.run(request, { name: 'compileText' });
  }

  /** A change of a few RRsets applied to the serving version: milliseconds where compileText takes the zone's size. */
  patchText(request: PatchTextRequest): Promise<PatchTextResult> {
    return this.pool.run(request, { name: 'patchText' });
  }

  /** A saved image brought up to date with stored journal steps. */
  applyJournal(request: JournalApplyRequest): Promise<PatchTextResult> {
    return this.pool.run(request, { name: 'applyJournal' });
  }

  /** Fills an AXFR image (allocateAxfrImage) message by message; readers may send what is there meanwhile. */
  renderAxfr(request: AxfrRequest): Promise<number> {
    return this.pool.run(request, { name: 'renderAxfr' });
  }

  /** The messages cross to the pool thread as a transfer list: no copy of a large zone. */
  compileTransfer(request: TransferCompileRequest): Promise<TransferCompileResult> {
    return this.pool.run(request, { name: 'compileTransfer', transferList: request.messages.map((m) => m.buffer as ArrayBuffer) });
  }

  /** A catalog of 100,000 members takes most of a second to build: never on the answering thread. */
  catalog(request: CatalogRequest): Promise<BuildResult> {
    return this.pool.run(request, { name: 'buildCatalog' });
  }

  diff(request: DiffRequest): Promise<Uint8Array> {
    return this.pool.run(request, { name: 'diffZone' });
  }

  close(): Promise<void> {
    this.closing = true;
    return this.pool.destroy();
  }
}
