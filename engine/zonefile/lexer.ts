// Tokenizer for RFC 1035 §5.1 master files, over the file's bytes. One call yields one entry: the tokens of
// one line, or of several lines while parentheses are open. Tokens are offsets into the source, never
// strings, so the record path allocates nothing; escapes stay in place for the field parsers to decode,
// because what an escape means depends on the field (a `\.` in a name is not a `\.` in a TXT string).

/** The token came from a quoted string; start/end exclude the quotes. */
export const QUOTED = 1;
/** No whitespace separates the token from the previous one, as in SVCB `alpn="h2"` (RFC 9460 §2.1). */
export const GLUED = 2;

const ORDINARY = 0, SPACE = 1, NEWLINE = 2, SEMICOLON = 3, OPEN = 4, CLOSE = 5, QUOTE = 6, BACKSLASH = 7;
const charClass = new Uint8Array(256);
charClass[0x20] = SPACE;
charClass[0x09] = SPACE;
charClass[0x0d] = SPACE; // CRLF files: the CR is just whitespace before the newline
charClass[0x0a] = NEWLINE;
charClass[0x3b] = SEMICOLON;
charClass[0x28] = OPEN;
charClass[0x29] = CLOSE;
charClass[0x22] = QUOTE;
charClass[0x5c] = BACKSLASH;

const utf8 = new TextDecoder();

/** The tokens of one entry, reused from entry to entry. `pos` is the cursor of whoever consumes them. */
export class Tokens {
  src: Uint8Array = new Uint8Array(0);
  count = 0;
  pos = 0;
  start = new Int32Array(64);
  end = new Int32Array(64);
  line = new Int32Array(64);
  flags = new Uint8Array(64);
  /** The entry's line began with whitespace: the owner field is omitted (RFC 1035 §5.1). */
  ownerOmitted = false;
  /** First line of the entry. */
  firstLine = 0;
  /** A lexical problem in this entry (unbalanced parenthesis or quote); the entry must be dropped. */
  error: string | null = null;
  errorLine = 0;

  push(start: number, end: number, line: number, flags: number): void {
    if (this.count === this.start.length) this.grow();
    const i = this.count++;
    this.start[i] = start;
    this.end[i] = end;
    this.line[i] = line;
    this.flags[i] = flags;
  }

  /** The token as written (escapes not decoded), for error messages and mnemonics. */
  text(i: number): string {
    return utf8.decode(this.src.subarray(this.start[i], this.end[i]));
  }

  isQuoted(i: number): boolean {
    return (this.flags[i] & QUOTED) !== 0;
  }

  /** Case-insensitive comparison of token `i` with an upper-case ASCII word. */
  is(i: number, upperWord: string): boolean {
    const s = this.start[i];
    if (this.end[i] - s !== upperWord.length || this.isQuoted(i)) return false;
    for (let k = 0; k < upperWord.length; k++) {
      let c = this.src[s + k];
      if (c >= 0x61 && c <= 0x7a) c -= 0x20;
      if (c !== upperWord.charCodeAt(k)) return false;
    }
    return true;
  }

  private grow(): void {
    const n = this.start.length * 2;
    const start = new Int32Array(n), end = new Int32Array(n), line = new Int32Array(n), flags = new Uint8Array(n);
    start.set(this.start);
    end.set(this.end);
    line.set(this.line);
    flags.set(this.flags);
    this.start = start;
    this.end = end;
    this.line = line;
    this.flags = flags;
  }
}

export class Lexer {
  readonly src: Uint8Array;
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  private inParens = false;
  private parenLine = 0;

  constructor(src: Uint8Array) {
    this.src = src;
  }

  /** Fills `t` with the next non-empty entry; false at end of input. */
  next(t: Tokens): boolean {
    const src = this.src, n = src.length;
    t.src = src;
    t.count = 0;
    t.pos = 0;
    t.error = null;
    let glued = false;
    let p = this.pos;
    while (p < n) {
      const c = src[p];
      switch (charClass[c]) {
        case ORDINARY:
        case BACKSLASH:
          p = this.word(t, p, glued);
          glued = true;
          continue;
        case SPACE:
          p++;
          break;
        case NEWLINE:
          p++;
          this.line++;
          this.lineStart = p;
          if (!this.inParens && (t.count > 0 || t.error !== null)) {
            this.pos = p;
            return true;
          }
          break;
        case SEMICOLON:
          while (p < n && src[p] !== 0x0a) p++;
          break;
        case OPEN:
          if (this.inParens) this.fail(t, "nested '('");
          this.inParens = true;
          this.parenLine = this.line;
          p++;
          break;
        case CLOSE:
          if (!this.inParens) this.fail(t, "')' without '('");
          this.inParens = false;
          p++;
          break;
        default: // QUOTE
          p = this.quoted(t, p, glued);
          glued = true;
          continue;
      }
      glued = false;
    }
    this.pos = p;
    if (this.inParens) {
      this.inParens = false;
      this.line = this.parenLine; // report where the unclosed group opened
      this.fail(t, "'(' not closed before end of file");
    }
    return t.count > 0 || t.error !== null;
  }

  private begin(t: Tokens, at: number): void {
    if (t.count !== 0) return;
    t.ownerOmitted = at !== this.lineStart;
    t.firstLine = this.line;
  }

  /** Scans an unquoted token starting at `start`; returns the offset after it. */
  private word(t: Tokens, start: number, glued: boolean): number {
    const src = this.src, n = src.length;
    this.begin(t, start);
    let p = start;
    while (p < n) {
      const k = charClass[src[p]];
      if (k === ORDINARY) p++;
      else if (k === BACKSLASH) {
        // An escaped byte never ends the token (`\ `, `\;`, `\(`), but an escaped newline is not a byte.
        if (p + 1 >= n || src[p + 1] === 0x0a) {
          this.fail(t, 'backslash at end of line');
          p++;
          break;
        }
        p += 2;
      } else break;
    }
    t.push(start, p, this.line, glued ? GLUED : 0);
    return p;
  }

  /** Scans a quoted string whose opening quote is at `at`; returns the offset after the closing quote. */
  private quoted(t: Tokens, at: number, glued: boolean): number {
    const src = this.src, n = src.length;
    this.begin(t, at);
    const start = at + 1;
    let p = start;
    while (p < n && src[p] !== 0x22 && src[p] !== 0x0a) p += src[p] === 0x5c && src[p + 1] !== 0x0a ? 2 : 1;
    const flags = QUOTED | (glued ? GLUED : 0);
    if (p >= n || src[p] !== 0x22) {
      this.fail(t, 'quoted string not closed on its line');
      p = Math.min(p, n);
      t.push(start, p, this.line, flags);
      return p;
    }
    t.push(start, p, this.line, flags);
    return p + 1;
  }

  private fail(t: Tokens, problem: string): void {
    if (t.error !== null) return;
    if (t.count === 0) t.firstLine = this.line;
    t.error = problem;
    t.errorLine = this.line;
  }
}
