interface AnyNode {
  type: string;
  [key: string]: unknown;
}

const MAX_FOLDED = 4096;

/**
 * A `+` chain flattened (iteratively: minified code chains thousands of operands): how many
 * operands, how many are string literals, and the folded text when every operand is a string or
 * number literal (or a template without expressions) and the result stays short.
 */
export function concatenation(root: AnyNode): { operands: number; stringOperands: number; folded: string | null } {
  const stack: AnyNode[] = [root];
  const pieces: string[] = [];
  let operands = 0;
  let stringOperands = 0;
  let foldable = true;
  let length = 0;
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'BinaryExpression' && n.operator === '+') {
      stack.push(n.right as AnyNode, n.left as AnyNode);
      continue;
    }
    operands++;
    let piece: string | null = null;
    if (n.type === 'Literal' && typeof n.value === 'string') {
      stringOperands++;
      piece = n.value;
    } else if (n.type === 'Literal' && typeof n.value === 'number') piece = String(n.value);
    else if (n.type === 'TemplateLiteral' && (n.expressions as unknown[]).length === 0) {
      stringOperands++;
      piece = ((n.quasis as AnyNode[])[0]!.value as { cooked: string | null }).cooked;
    }
    if (piece === null) foldable = false;
    else if (foldable) {
      length += piece.length;
      if (length > MAX_FOLDED) foldable = false;
      else pieces.push(piece);
    }
  }
  return { operands, stringOperands, folded: foldable && stringOperands > 0 ? pieces.join('') : null };
}
