import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { compile, validate, type CompilerError, type YaraX } from './binding.js';
import { StoqPluginException } from 'rxstoq';
import { readRuleTree, type MetaValue } from './rule-meta.js';

/** A compiled rule file, plus the meta values read back from its sources (see rule-meta.ts). */
export interface RuleSet {
  file: string;
  /** The rule file and the files it includes, in include order: what a live reload watches. */
  files: string[];
  /** sha256 of the sources compiled (see `rulesHash`): which rules an answer was made with. */
  sha256: string;
  rules: YaraX;
  sourceMeta: Map<string, Record<string, MetaValue>>;
  warnings: string[];
}

/**
 * Compile one rule file (and what it includes, resolved from the file's own folder as libyara
 * does). A missing file or a rule that does not compile throws, naming file, line and message.
 */
export function compileRuleFile(file: string): RuleSet {
  const path = resolve(file);
  if (!existsSync(path) || !statSync(path).isFile()) throw new StoqPluginException(`Nonexistent yara rules file provided: ${path}`);
  const bytes = readFileSync(path);
  const source = bytes.toString('utf8');
  const options = { enableIncludes: true, includeDirectories: [dirname(path)] };
  const checked = validate(source, options);
  if (checked.errors.length > 0) throw compileError(path, checked.errors);
  let rules: YaraX;
  try {
    rules = compile(source, options);
  } catch (err) {
    throw compileError(path, [{ code: '', message: (err as Error).message }]);
  }
  const tree = readRuleTree(path, options.includeDirectories);
  const sources = tree.files.map((f) => (f === path ? bytes : readFileSync(f)));
  return {
    file: path,
    files: tree.files,
    sha256: rulesHash(sources),
    rules,
    sourceMeta: tree.meta,
    warnings: checked.warnings.map((w) => describe(path, w)),
  };
}

/**
 * sha256 over the sources of a rule set, in include order (the rule file first, then each
 * included file where the first `include` of it stands), each as its byte length in decimal, a
 * line feed, then its bytes. Paths do not enter it: the same rules in another folder hash the same.
 */
export function rulesHash(sources: Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const source of sources) hash.update(`${source.byteLength}\n`).update(source);
  return hash.digest('hex');
}

function compileError(file: string, errors: CompilerError[]): StoqPluginException {
  return new StoqPluginException(`yara rules file ${file} failed to compile: ${errors.map((e) => describe(file, e)).join('; ')}`);
}

/**
 * `file:line:column: error[E001]: syntax error (expecting ...)`, from YARA-X's report, whose
 * location names the top-level source "line" and included files by their include path.
 */
export function describe(file: string, e: { message: string; line?: number; column?: number }): string {
  const lines = e.message.split('\n');
  const headline = (lines[0] ?? '').replace(/^Compilation error \([A-Z0-9]+\): /, '').trim();
  const where = /-->\s*(.*?):(\d+):(\d+)\s*$/m.exec(e.message);
  const origin = where ? (where[1] === 'line' ? file : resolve(dirname(file), where[1]!)) : file;
  const line = where ? where[2] : e.line;
  const column = where ? where[3] : e.column;
  const label = lines.map((l) => /^\s*\|\s*\^+\s*(.+)$/.exec(l)?.[1]).find(Boolean);
  const location = line !== undefined ? `${origin}:${line}${column !== undefined ? `:${column}` : ''}` : origin;
  return `${location}: ${headline}${label ? ` (${label.trim()})` : ''}`;
}
