interface AnyNode {
  type: string;
  [key: string]: unknown;
}

const MAX_PARTS = 6;

/**
 * A callee as dotted text: `eval`, `document.write`, `String.fromCharCode`; `a["b"]` reads as `a.b`
 * (a common way to hide a name); other computed members as `[]`, calls as `()`. Long chains keep
 * their last MAX_PARTS parts, behind `…`. Null for callees that are not names (an IIFE).
 */
export function calleeName(callee: AnyNode): string | null {
  const parts: string[] = [];
  let cur: AnyNode = callee;
  let depth = 0;
  while (cur.type === 'MemberExpression') {
    const prop = cur.property as AnyNode;
    if (!cur.computed && prop.type === 'Identifier') parts.push(prop.name as string);
    else if (!cur.computed && prop.type === 'PrivateIdentifier') parts.push(`#${prop.name as string}`);
    else if (prop.type === 'Literal' && typeof prop.value === 'string') parts.push(prop.value);
    else parts.push('[]');
    cur = cur.object as AnyNode;
    if (++depth > MAX_PARTS) {
      parts.length = MAX_PARTS;
      parts.push('…');
      return parts.reverse().join('.');
    }
  }
  if (cur.type === 'Identifier') parts.push(cur.name as string);
  else if (cur.type === 'ThisExpression') parts.push('this');
  else if (cur.type === 'CallExpression' || cur.type === 'NewExpression') parts.push('()');
  else if (parts.length === 0) return null;
  else parts.push('?');
  return parts.reverse().join('.');
}
