// Access policies as text and as a tree: `role:physician AND unit:cardiology`,
// `role:family OR (role:emergency AND on-call)`, `2 of (a, b, c)`. AND binds tighter than OR;
// AND is an n-of-n gate, OR a 1-of-n gate, so every policy is a threshold tree. The same tree
// drives the plaintext check (`satisfies`) and the CP-ABE secret sharing (server/abe/lsss.ts).
// The parser reads outside text: it never throws, it returns a typed error with a position.

export type Policy =
  | { readonly type: 'attr'; readonly name: string }
  | { readonly type: 'gate'; readonly k: number; readonly children: readonly Policy[] };

export type PolicyErrorCode =
  | 'empty'
  | 'too-long'
  | 'bad-character'
  | 'bad-attribute'
  | 'unexpected-token'
  | 'unexpected-end'
  | 'bad-threshold'
  | 'too-deep'
  | 'too-many-attributes';

export interface PolicyError {
  readonly code: PolicyErrorCode;
  readonly message: string;
  /** Character offset in the policy text where the problem was found. */
  readonly position: number;
}

export type PolicyResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: PolicyError };

export const MAX_POLICY_CHARS = 2048;
export const MAX_POLICY_LEAVES = 64;
export const MAX_POLICY_DEPTH = 16;

/** Attribute names: lowercase, start with a letter, then letters, digits and `_ . : # -`. */
export const ATTRIBUTE_PATTERN = /^[a-z][a-z0-9_.:#-]*$/;
const KEYWORDS = new Set(['and', 'or', 'of']);

export function isAttributeName(s: string): boolean {
  return s.length <= 128 && ATTRIBUTE_PATTERN.test(s) && !KEYWORDS.has(s);
}

type Token =
  | { readonly t: '(' | ')' | ','; readonly pos: number }
  | { readonly t: 'word'; readonly text: string; readonly pos: number }
  | { readonly t: 'end'; readonly pos: number };

class ParseFailure {
  constructor(readonly error: PolicyError) {}
}
const fail = (code: PolicyErrorCode, message: string, position: number): never => {
  throw new ParseFailure({ code, message, position });
};

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    if (c === '(' || c === ')' || c === ',') { out.push({ t: c, pos: i }); i++; continue; }
    const m = /^[A-Za-z0-9_.:#-]+/.exec(src.slice(i));
    if (!m) fail('bad-character', `unexpected character ${JSON.stringify(c)}`, i);
    out.push({ t: 'word', text: m![0], pos: i });
    i += m![0].length;
  }
  out.push({ t: 'end', pos: src.length });
  return out;
}

class Parser {
  private i = 0;
  private leaves = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(): Token { return this.toks[this.i]!; }
  private next(): Token { return this.toks[this.i++]!; }
  private isKeyword(tok: Token, kw: string): boolean {
    return tok.t === 'word' && tok.text.toLowerCase() === kw;
  }
  private expect(t: '(' | ')' | ','): void {
    const tok = this.next();
    if (tok.t !== t) this.unexpected(tok, `expected "${t}"`);
  }
  private unexpected(tok: Token, what: string): never {
    if (tok.t === 'end') return fail('unexpected-end', `policy ends early: ${what}`, tok.pos);
    return fail('unexpected-token', `${what}, found ${tok.t === 'word' ? JSON.stringify(tok.text) : `"${tok.t}"`}`, tok.pos);
  }

  parseAll(): Policy {
    const p = this.parseOr(1);
    const tok = this.peek();
    if (tok.t !== 'end') this.unexpected(tok, 'expected AND, OR or the end');
    return p;
  }

  private parseOr(depth: number): Policy {
    const parts = [this.parseAnd(depth)];
    while (this.isKeyword(this.peek(), 'or')) { this.next(); parts.push(this.parseAnd(depth)); }
    return parts.length === 1 ? parts[0]! : { type: 'gate', k: 1, children: parts };
  }

  private parseAnd(depth: number): Policy {
    const parts = [this.parseAtom(depth)];
    while (this.isKeyword(this.peek(), 'and')) { this.next(); parts.push(this.parseAtom(depth)); }
    return parts.length === 1 ? parts[0]! : { type: 'gate', k: parts.length, children: parts };
  }

  private parseAtom(depth: number): Policy {
    if (depth > MAX_POLICY_DEPTH) fail('too-deep', `policy nests deeper than ${MAX_POLICY_DEPTH}`, this.peek().pos);
    const tok = this.next();
    if (tok.t === '(') {
      const inner = this.parseOr(depth + 1);
      this.expect(')');
      return inner;
    }
    if (tok.t !== 'word') return this.unexpected(tok, 'expected an attribute, "(" or "k of (...)"');
    if (/^[0-9]+$/.test(tok.text)) {
      if (!this.isKeyword(this.peek(), 'of')) this.unexpected(this.peek(), `expected "of" after the threshold ${tok.text}`);
      this.next();
      this.expect('(');
      const children = [this.parseOr(depth + 1)];
      while (this.peek().t === ',') { this.next(); children.push(this.parseOr(depth + 1)); }
      this.expect(')');
      const k = Number(tok.text);
      if (!(k >= 1 && k <= children.length)) fail('bad-threshold', `threshold ${tok.text} must be 1..${children.length}`, tok.pos);
      return children.length === 1 ? children[0]! : { type: 'gate', k, children };
    }
    if (KEYWORDS.has(tok.text.toLowerCase())) return this.unexpected(tok, 'expected an attribute');
    if (!isAttributeName(tok.text)) fail('bad-attribute', `attribute ${JSON.stringify(tok.text)} must be lowercase, start with a letter and use only a-z 0-9 _ . : # -`, tok.pos);
    if (++this.leaves > MAX_POLICY_LEAVES) fail('too-many-attributes', `a policy names at most ${MAX_POLICY_LEAVES} attributes`, tok.pos);
    return { type: 'attr', name: tok.text };
  }
}

/** Parses policy text into a threshold tree; never throws. */
export function parsePolicy(text: string): PolicyResult<Policy> {
  if (typeof text !== 'string' || text.trim() === '') return { ok: false, error: { code: 'empty', message: 'empty policy', position: 0 } };
  if (text.length > MAX_POLICY_CHARS) return { ok: false, error: { code: 'too-long', message: `policy longer than ${MAX_POLICY_CHARS} characters`, position: MAX_POLICY_CHARS } };
  try {
    return { ok: true, value: new Parser(tokenize(text)).parseAll() };
  } catch (e) {
    if (e instanceof ParseFailure) return { ok: false, error: e.error };
    throw e;
  }
}

/** Canonical text: parsing it gives the same tree. */
export function formatPolicy(p: Policy): string {
  if (p.type === 'attr') return p.name;
  const kids = p.children.map((c) => (c.type === 'attr' ? c.name : `(${formatPolicy(c)})`));
  if (p.k === p.children.length) return kids.join(' AND ');
  if (p.k === 1) return kids.join(' OR ');
  return `${p.k} of (${p.children.map(formatPolicy).join(', ')})`;
}

/** The attribute leaves in depth-first order (the rows of the LSSS matrix). */
export function policyLeaves(p: Policy): string[] {
  if (p.type === 'attr') return [p.name];
  return p.children.flatMap(policyLeaves);
}

/** Plaintext evaluation: do these attributes satisfy the policy? */
export function satisfies(p: Policy, attributes: ReadonlySet<string>): boolean {
  if (p.type === 'attr') return attributes.has(p.name);
  let n = 0;
  for (const c of p.children) if (satisfies(c, attributes) && ++n >= p.k) return true;
  return false;
}
