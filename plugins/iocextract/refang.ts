/**
 * Common defanging conventions, undone: `[.]` `(.)` `{.}` `<.>` `[dot]` `(dot)`... (with an
 * optional space either side, as in `example (dot) com`), `[@]` `(at)`..., `[:]`, and the
 * defanged schemes `hxxp`, `hxxps`, `h[tt]p`, `h**p`, `meow` (any case).
 */
const REFANGS: [RegExp, string][] = [
  [/ ?[[({<](?:\.|dot)[\])}>] ?/gi, '.'],
  [/ ?[[({<](?:@|at)[\])}>] ?/gi, '@'],
  [/\[(:|:\/\/)\]/g, '$1'],
  [/\b(?:hxxp|hxtp|htxp|h\[tt\]p|h\*\*p|meow)(s?)(?=:\/\/)/gi, 'http$1'],
];

export function refang(text: string): string {
  let out = text;
  for (const [pattern, replacement] of REFANGS) out = out.replace(pattern, replacement);
  return out;
}
