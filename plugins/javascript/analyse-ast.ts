import type { Node } from 'acorn';
import { calleeName } from './callee-name.js';
import { concatenation } from './fold-concat.js';
import { Tally } from './tally.js';

interface AnyNode {
  type: string;
  [key: string]: unknown;
}

export interface AstFindings {
  nodes: number;
  /** The walk stopped at max_nodes. */
  budget_exhausted: boolean;
  calls: Tally;
  news: Tally;
  suspicious: Tally;
  /** String literal values and cooked template parts, in source order. */
  strings: string[];
  /** Concatenations of literals only (`'htt' + 'p://'`), folded. */
  folded: string[];
  max_concat_depth: number;
  eval_of_decoded: number;
}

const LOOPS = new Set(['ForStatement', 'ForInStatement', 'ForOfStatement', 'WhileStatement', 'DoWhileStatement']);
const SKIP_KEYS = new Set(['type', 'start', 'end', 'loc', 'range', 'raw', 'value', 'regex', 'bigint', 'name', 'operator', 'kind']);
/** Names that run a string as code. */
const RUNS_CODE = new Set(['eval', 'Function', 'setTimeout', 'setInterval', 'execScript', 'document.write', 'document.writeln']);
/** Names that decode a string. */
const DECODERS = new Set(['unescape', 'atob', 'fromCharCode', 'decodeURIComponent', 'decodeURI']);
/** Plain calls reported under their own name (also as `window.x`, `self.x`, `this.x`). */
const WATCHED_CALLS = new Set(['eval', 'Function', 'unescape', 'escape', 'atob', 'btoa', 'execScript', 'ActiveXObject', 'GetObject', 'CreateObject']);
const WATCHED_PATHS = new Set(['String.fromCharCode', 'document.write', 'document.writeln', 'WScript.CreateObject', 'WScript.GetObject', 'WScript.Sleep']);
const SHELL_METHODS = /^(?:run|Exec|ShellExecute|shellexecute)$/i;
const GLOBAL_PREFIX = /^(?:window|self|this|globalThis|top|parent)\./;

function lastPart(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

function isStringish(node: AnyNode): boolean {
  return (
    (node.type === 'Literal' && typeof node.value === 'string') ||
    node.type === 'TemplateLiteral' ||
    (node.type === 'BinaryExpression' && node.operator === '+')
  );
}

/**
 * One iterative walk over the ESTree (an explicit stack, not acorn-walk's recursive walkers,
 * so a tree thousands of levels deep costs heap, not call stack; and every child is visited,
 * including non-computed property keys, which acorn-walk's base visitor skips).
 */
export function analyseAst(ast: Node, maxNodes: number, maxNames: number): AstFindings {
  const f: AstFindings = {
    nodes: 0,
    budget_exhausted: false,
    calls: new Tally(maxNames),
    news: new Tally(maxNames),
    suspicious: new Tally(maxNames),
    strings: [],
    folded: [],
    max_concat_depth: 0,
    eval_of_decoded: 0,
  };
  // [node, inside a loop, parent is a `+`]
  const stack: [AnyNode, boolean, boolean][] = [[ast as unknown as AnyNode, false, false]];
  while (stack.length > 0) {
    const [node, inLoop, parentPlus] = stack.pop()!;
    if (++f.nodes > maxNodes) {
      f.budget_exhausted = true;
      f.nodes = maxNodes;
      break;
    }
    visit(node, inLoop, parentPlus, f);
    const childLoop = inLoop || LOOPS.has(node.type);
    const plus = node.type === 'BinaryExpression' && node.operator === '+';
    const keys = Object.keys(node);
    // Pushed in reverse so that children are visited in source order.
    for (let k = keys.length - 1; k >= 0; k--) {
      if (SKIP_KEYS.has(keys[k]!)) continue;
      const v = node[keys[k]!];
      if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--) if (v[i] && typeof v[i].type === 'string') stack.push([v[i], childLoop, plus]);
      } else if (v && typeof v === 'object' && typeof (v as AnyNode).type === 'string') stack.push([v as AnyNode, childLoop, plus]);
    }
  }
  return f;
}

function visit(node: AnyNode, inLoop: boolean, parentPlus: boolean, f: AstFindings): void {
  switch (node.type) {
    case 'Literal':
      if (typeof node.value === 'string') f.strings.push(node.value);
      return;
    case 'TemplateElement': {
      const cooked = (node.value as { cooked: string | null }).cooked;
      if (cooked !== null) f.strings.push(cooked);
      return;
    }
    case 'BinaryExpression':
      if (node.operator === '+' && !parentPlus) {
        const c = concatenation(node);
        if (c.stringOperands > 0) f.max_concat_depth = Math.max(f.max_concat_depth, c.operands);
        if (c.folded !== null && c.operands > 1) f.folded.push(c.folded);
      }
      return;
    case 'AssignmentExpression': {
      const left = node.left as AnyNode;
      const name = left.type === 'Identifier' ? (left.name as string) : left.type === 'MemberExpression' ? calleeName(left) : null;
      if (name !== null && /(?:^|\.)location(?:\.href)?$/.test(name)) f.suspicious.add('location assignment');
      return;
    }
    case 'NewExpression':
    case 'CallExpression': {
      const name = calleeName(node.callee as AnyNode);
      const isNew = node.type === 'NewExpression';
      if (name === null) return;
      (isNew ? f.news : f.calls).add(name);
      const plain = name.replace(GLOBAL_PREFIX, '');
      const last = lastPart(plain);
      const args = node.arguments as AnyNode[];
      if (isNew && (plain === 'Function' || plain === 'ActiveXObject' || plain === 'XMLHttpRequest')) f.suspicious.add(`new ${plain}`);
      else if (WATCHED_CALLS.has(plain) || WATCHED_PATHS.has(plain)) f.suspicious.add(plain);
      if ((plain === 'setTimeout' || plain === 'setInterval') && args[0] && isStringish(args[0])) f.suspicious.add(`${plain}(string)`);
      if (last === 'charCodeAt' && inLoop) f.suspicious.add('charCodeAt in a loop');
      if (/\.location\.(?:replace|assign)$|^location\.(?:replace|assign)$/.test(plain)) f.suspicious.add('location.replace/assign');
      if (plain.includes('.') && SHELL_METHODS.test(last) && last !== 'exec') f.suspicious.add(`.${last}()`);
      if (RUNS_CODE.has(plain) && args.some((a) => a.type === 'CallExpression' && DECODERS.has(lastPart(calleeName(a.callee as AnyNode) ?? '')))) {
        f.eval_of_decoded++;
      }
      return;
    }
  }
}
