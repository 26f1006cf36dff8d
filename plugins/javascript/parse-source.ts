import { parse, type Node, type Options } from 'acorn';
import { parse as parseLoose } from 'acorn-loose';

export type ParseMode = 'script' | 'module' | 'loose';

export interface ParseOutcome {
  ast: Node | null;
  mode: ParseMode | null;
  errors: { mode: ParseMode; message: string; offset: number | null }[];
  /** The parser ran out of call stack (acorn is recursive descent): nesting too deep. */
  overflow: boolean;
}

const OPTIONS: Options = { ecmaVersion: 'latest', allowHashBang: true };

/**
 * A strict parse as a script, then as a module, then acorn-loose, which builds a tree from
 * anything. Deep nesting (`((((…` 100k deep) exhausts the stack of every one of them: that
 * RangeError is caught, and the later parsers are not tried (they would overflow as well).
 */
export function parseSource(source: string, looseMaxChars: number): ParseOutcome {
  const errors: ParseOutcome['errors'] = [];
  const attempts: [ParseMode, () => Node][] = [
    ['script', () => parse(source, { ...OPTIONS, sourceType: 'script' })],
    ['module', () => parse(source, { ...OPTIONS, sourceType: 'module' })],
  ];
  // acorn-loose's error recovery costs more than linear time on garbage (64 KiB of random bytes: ~0.5 s).
  const skipLoose = looksBinary(source) ? 'the source looks binary' : source.length > looseMaxChars ? `longer than ${looseMaxChars} characters` : null;
  if (skipLoose === null) attempts.push(['loose', () => parseLoose(source, { ...OPTIONS, sourceType: 'script' })]);
  for (const [mode, run] of attempts) {
    try {
      return { ast: run(), mode, errors, overflow: false };
    } catch (err) {
      const message = (err as Error).message;
      const pos = (err as { pos?: unknown }).pos;
      // acorn reports its own stack exhaustion as a SyntaxError; a plain RangeError may escape too.
      if (err instanceof RangeError || /stack/i.test(message)) {
        errors.push({ mode, message: `nesting too deep: ${message}`, offset: typeof pos === 'number' ? pos : null });
        return { ast: null, mode: null, errors, overflow: true };
      }
      errors.push({ mode, message, offset: typeof pos === 'number' ? pos : null });
    }
  }
  if (skipLoose !== null) errors.push({ mode: 'loose', message: `not tried: ${skipLoose}`, offset: null });
  return { ast: null, mode: null, errors, overflow: false };
}

/** More than 2% control characters (other than whitespace) in the first 64 KiB. */
function looksBinary(source: string): boolean {
  const n = Math.min(source.length, 65536);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const c = source.charCodeAt(i);
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 12 && c !== 13 && c !== 11) || c === 0x7f) control++;
  }
  return n > 0 && control / n > 0.02;
}

/** The outcome when no parse is tried. */
export function unparsed(reason: string): ParseOutcome {
  return { ast: null, mode: null, errors: [{ mode: 'script', message: `not tried: ${reason}`, offset: null }], overflow: false };
}
