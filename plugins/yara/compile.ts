import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { compile, validate, type CompilerError, type YaraX } from './binding.js';
import { StoqPluginException } from 'rxstoq';
import { readRuleMeta, type MetaValue } from './rule-meta.js';

/** A compiled rule file, plus the meta values read back from its sources (see rule-meta.ts). */
export interface RuleSet {
  file: string;
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
  const source = readFileSync(path, 'utf8');
  const options = { enableIncludes: true, includeDirectories: [dirname(path)] };
  const checked = validate(source, options);
  if (checked.errors.length > 0) throw compileError(path, checked.errors);
  let rules: YaraX;
  try {
    rules = compile(source, options);
  } catch (err) {
    throw compileError(path, [{ code: '', message: (err as Error).message }]);
  }
  return {
    file: path,
    rules,
    sourceMeta: readRuleMeta(path, options.includeDirectories),
    warnings: checked.warnings.map((w) => describe(path, w)),
  };
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
