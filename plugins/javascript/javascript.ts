import { StoqError, WorkerPlugin, WorkerResponse, z, type Payload } from 'rxstoq';
import { analyseAst } from './analyse-ast.js';
import { entropy, findIocs, lineLengths, round } from './indicators.js';
import type { JavascriptResult } from './javascript-result.js';
import { readTokens } from './lexical.js';
import { parseSource, unparsed } from './parse-source.js';
import { tallyStringHints } from './string-hints.js';
import { Tally } from './tally.js';

const OptionsSchema = z.object({
  /** Bytes of the payload parsed at most; the rest is skipped with an error. */
  max_bytes: z
    .number()
    .int()
    .positive()
    .default(4 * 1024 * 1024),
  /** Distinct string literals listed at most (the total is still counted); also the most URLs and IPs listed. */
  max_literals: z.number().int().positive().default(500),
  /** Characters kept of each listed string literal. */
  max_literal_chars: z.number().int().positive().default(1000),
  /** Sources longer than this (characters) are not given to acorn-loose when the strict parses fail (its recovery is slow on garbage); tokens still count. */
  max_loose_chars: z
    .number()
    .int()
    .positive()
    .default(256 * 1024),
  /** Declarations (`var`, `let`, `const`, `function`, `class` tokens) above which the source is not parsed: acorn checks each declaration against a list of its scope's names, so N of them in one scope cost O(N²) (40,000 took minutes); tokens still count. */
  max_declarations: z.number().int().positive().default(50_000),
  /** Syntax tree nodes visited at most; the walk stops there with an error. */
  max_nodes: z.number().int().positive().default(2_000_000),
  /** Distinct names kept at most in each count (calls, keywords, suspicious). */
  max_names: z.number().int().positive().default(500),
  /** A string literal longer than this (characters) counts as long; a line longer than this too. */
  long_chars: z.number().int().positive().default(1000),
});

/** Bytes to source: UTF-8 (a BOM dropped), or windows-1252 when that is not valid UTF-8 (old JScript droppers). */
function decode(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

/**
 * JavaScript and JScript (from HTML inline scripts, PDF JavaScript, mail attachments): parsed by
 * acorn (script, then module, then acorn-loose for garbage and partial code), walked once for
 * calls and literals, tokenized once for identifiers, keywords and escapes.
 */
export class JavascriptPlugin extends WorkerPlugin<typeof OptionsSchema> {
  static override optionsSchema = OptionsSchema;

  scan(payload: Payload): WorkerResponse {
    const o = this.options;
    const errors: StoqError[] = [];
    const fail = (message: string) => errors.push(new StoqError(`javascript: ${message}`, this.plugin_name, payload.payload_id));
    if (payload.content.length > o.max_bytes) fail(`only the first ${o.max_bytes} of ${payload.content.length} bytes parsed (max_bytes)`);
    const bytes = payload.content.subarray(0, o.max_bytes);
    const source = decode(bytes);

    const lex = readTokens(source, o.max_names);
    const tooMany = lex.declarations > o.max_declarations;
    const parsed = tooMany
      ? unparsed(`${lex.declarations} declarations, more than max_declarations (${o.max_declarations})`)
      : parseSource(source, o.max_loose_chars);
    if (tooMany) fail(`not parsed: ${lex.declarations} declarations, more than max_declarations (${o.max_declarations}); results from the tokens only`);
    else if (parsed.overflow) fail('nesting too deep to parse (call stack exhausted); results from the tokens only');
    else if (parsed.mode === null) fail(`not parsed: ${parsed.errors.at(-1)?.message ?? 'unknown error'}`);
    const ast = parsed.ast ? analyseAst(parsed.ast, o.max_nodes, o.max_names) : null;
    if (ast?.budget_exhausted) fail(`syntax tree walk stopped at max_nodes (${o.max_nodes}); later code not analysed`);

    // Tokens give literals in source order even when the parser overflowed; a loose parse
    // recovers more of a source the tokenizer gave up on.
    const literals = lex.stopped_at === null || ast === null ? lex.strings : ast.strings;
    const unique = [...new Set(literals)];
    const values = unique.slice(0, o.max_literals).map((s) => s.slice(0, o.max_literal_chars));
    const texts = [...unique, ...(ast?.folded ?? [])];
    const suspicious = ast?.suspicious ?? new Tally(o.max_names);
    tallyStringHints(texts, suspicious);
    const { urls, ips } = findIocs(texts, o.max_literals);

    let longStrings = 0;
    let longest = 0;
    let maxEntropy = 0;
    for (const s of unique) {
      if (s.length > o.long_chars) longStrings++;
      longest = Math.max(longest, s.length);
      if (s.length >= 64) maxEntropy = Math.max(maxEntropy, entropy(s.slice(0, 65536)));
    }
    const lines = lineLengths(source, o.long_chars);
    const result: JavascriptResult = {
      parse: { mode: parsed.mode, errors: parsed.errors },
      calls: { total: ast?.calls.total ?? 0, by_name: ast?.calls.toJSON() ?? {} },
      new_expressions: { total: ast?.news.total ?? 0, by_name: ast?.news.toJSON() ?? {} },
      suspicious: suspicious.toJSON(),
      identifiers: {
        total: lex.identifiers,
        unique: lex.unique_identifiers,
        average_length: lex.identifiers ? round(lex.identifier_chars / lex.identifiers) : 0,
        hex_style: lex.hex_style_identifiers,
        hex_style_share: lex.identifiers ? round(lex.hex_style_identifiers / lex.identifiers) : 0,
      },
      keywords: { total: lex.keywords.total, by_name: lex.keywords.toJSON() },
      strings: { total: literals.length, unique: unique.length, values, dropped: unique.length - values.length },
      urls,
      ips,
      obfuscation: {
        long_strings: longStrings,
        longest_string: longest,
        escape_share: lex.string_raw_chars ? round(lex.escape_chars / lex.string_raw_chars) : 0,
        max_concat_depth: ast?.max_concat_depth ?? 0,
        eval_of_decoded: ast?.eval_of_decoded ?? 0,
        long_lines: lines.long_lines,
        longest_line: lines.longest_line,
        literal_entropy: round(entropy(unique.join('').slice(0, 1 << 20))),
        max_literal_entropy: round(maxEntropy),
      },
      counts: { bytes_parsed: bytes.length, lines: lines.lines, tokens: lex.tokens, nodes: ast?.nodes ?? 0 },
    };
    return new WorkerResponse({ results: result, errors });
  }
}
