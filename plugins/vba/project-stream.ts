/**
 * The PROJECT stream (MS-OVBA 2.3.1): text lines `Key=Value`. Only the module declarations matter
 * here: they tell a document module (`Document=ThisDocument/&H00000000`) from a class
 * (`Class=`) or a designer/form (`BaseClass=`), which MODULETYPE alone does not.
 */

export type ModuleKind = 'standard' | 'class' | 'document' | 'form';

/** Lower-cased module name → kind, as the PROJECT stream declares it. */
export function moduleKinds(text: string): Map<string, ModuleKind> {
  const kinds = new Map<string, ModuleKind>();
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    // The [Host Extender Info] and [Workspace] sections come after the declarations.
    if (line.startsWith('[')) break;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1).toLowerCase();
    if (key === 'Document') kinds.set(value.split('/', 1)[0]!, 'document');
    else if (key === 'Module') kinds.set(value, 'standard');
    else if (key === 'Class') kinds.set(value, 'class');
    else if (key === 'BaseClass') kinds.set(value, 'form');
  }
  return kinds;
}
