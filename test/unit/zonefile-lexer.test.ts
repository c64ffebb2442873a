import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GLUED, Lexer, QUOTED, Tokens } from '../../engine/zonefile/lexer.ts';

interface Entry {
  line: number;
  ownerOmitted: boolean;
  tokens: string[];
  error: string | null;
}

/** Every entry, tokens written as text with markers: "q:" quoted, "+" glued to the previous token, "@N" line. */
function lex(text: string): Entry[] {
  const lexer = new Lexer(new TextEncoder().encode(text));
  const t = new Tokens();
  const entries: Entry[] = [];
  while (lexer.next(t)) {
    const tokens: string[] = [];
    for (let i = 0; i < t.count; i++) {
      tokens.push(`${t.flags[i] & GLUED ? '+' : ''}${t.flags[i] & QUOTED ? 'q:' : ''}${t.text(i)}@${t.line[i]}`);
    }
    entries.push({ line: t.error === null ? t.firstLine : t.errorLine, ownerOmitted: t.ownerOmitted, tokens, error: t.error });
  }
  return entries;
}

test('one entry per line; blank and comment-only lines are skipped', () => {
  assert.equal(lex('a A 1.2.3.4\n\n; comment\n   ; indented comment\nb TXT x ; trailing\n'), [
    { line: 1, ownerOmitted: false, tokens: ['a@1', 'A@1', '1.2.3.4@1'], error: null },
    { line: 5, ownerOmitted: false, tokens: ['b@5', 'TXT@5', 'x@5'], error: null },
  ]);
});

test('leading whitespace means the owner is omitted; the last line needs no newline', () => {
  assert.equal(lex('a A 1.2.3.4\n\tA 5.6.7.8\n  TXT "x"'), [
    { line: 1, ownerOmitted: false, tokens: ['a@1', 'A@1', '1.2.3.4@1'], error: null },
    { line: 2, ownerOmitted: true, tokens: ['A@2', '5.6.7.8@2'], error: null },
    { line: 3, ownerOmitted: true, tokens: ['TXT@3', 'q:x@3'], error: null },
  ]);
});

test('parentheses join lines; comments inside them end at the newline', () => {
  const text = '@ SOA ns hm ( 1 ; serial\n  2h ; refresh\n\n  3 4 5 ) ; done\nnext A 1.2.3.4\n';
  assert.equal(lex(text), [
    { line: 1, ownerOmitted: false, tokens: ['@@1', 'SOA@1', 'ns@1', 'hm@1', '1@1', '2h@2', '3@4', '4@4', '5@4'], error: null },
    { line: 5, ownerOmitted: false, tokens: ['next@5', 'A@5', '1.2.3.4@5'], error: null },
  ]);
  assert.equal(lex('a TXT (x)(y)\n')[0].tokens, ['a@1', 'TXT@1', 'x@1', 'y@1']);
});

test('quoted strings keep spaces, semicolons and parentheses; escapes stay raw', () => {
  assert.equal(lex('a TXT "x ; (y)" "q\\"uote" "" \\"bare\n')[0].tokens,
    ['a@1', 'TXT@1', 'q:x ; (y)@1', 'q:q\\"uote@1', 'q:@1', '\\"bare@1']);
});

test('escaped delimiters do not end a word', () => {
  assert.equal(lex('a\\ b\\;c\\(d TXT x\\\\\n')[0].tokens, ['a\\ b\\;c\\(d@1', 'TXT@1', 'x\\\\@1']);
});

test('a quote right after a word is a glued token (SVCB key="value")', () => {
  assert.equal(lex('a HTTPS 1 . alpn="h2,h3" port=443 "x"\n')[0].tokens,
    ['a@1', 'HTTPS@1', '1@1', '.@1', 'alpn=@1', '+q:h2,h3@1', 'port=443@1', 'q:x@1']);
});

test('CRLF line endings', () => {
  assert.equal(lex('a A 1.2.3.4\r\n  A 5.6.7.8\r\n'), [
    { line: 1, ownerOmitted: false, tokens: ['a@1', 'A@1', '1.2.3.4@1'], error: null },
    { line: 2, ownerOmitted: true, tokens: ['A@2', '5.6.7.8@2'], error: null },
  ]);
});

test('lexical errors mark the entry and lexing goes on with the next one', () => {
  const entries = lex('a TXT "open\nb A 1.2.3.4\nc A ) 1.2.3.4\nd A 1.2.3.4\n');
  assert.equal(entries.map((e) => [e.line, e.error]), [[1, 'quoted string not closed on its line'], [2, null],
    [3, "')' without '('"], [4, null]]);
  assert.equal(lex('x TXT ( a ( b )\ny A 1.2.3.4\n').map((e) => [e.line, e.error]), [[1, "nested '('"], [2, null]]);
  assert.equal(lex('ok A 1.2.3.4\nx TXT ( a\nb\n').map((e) => [e.line, e.error]), [[1, null], [2, "'(' not closed before end of file"]]);
  assert.equal(lex('x TXT a\\\ny A 1.2.3.4').map((e) => [e.line, e.error]), [[1, 'backslash at end of line'], [2, null]]);
  assert.equal(lex(')\nb A 1.2.3.4\n').map((e) => [e.line, e.error, e.tokens.length]), [[1, "')' without '('", 0], [2, null, 3]]);
});

test.run();
