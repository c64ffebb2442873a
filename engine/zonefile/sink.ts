// The contract between the master-file parser and whatever consumes its records (the snapshot builder,
// zone import, tests). Records arrive in file order; the buffers are the parser's scratch space, reused for
// the next record, so a sink that keeps a record copies the bytes it needs.

export interface RecordSink {
  /**
   * @param owner uncompressed wire name, letter case as written, absolute
   * @param rdata uncompressed wire rdata (names inside rdata are absolute and uncompressed)
   */
  add(owner: Uint8Array, ownerLen: number, type: number, klass: number, ttl: number, rdata: Uint8Array, rdataLen: number): void;
}

/** A problem in a master file, located precisely enough for an operator to fix it. */
export class ZoneFileError extends Error {
  override name = 'ZoneFileError';
  readonly file: string;
  readonly line: number;
  readonly problem: string;

  constructor(file: string, line: number, problem: string) {
    super(`${file}:${line}: ${problem}`);
    this.file = file;
    this.line = line;
    this.problem = problem;
  }
}
