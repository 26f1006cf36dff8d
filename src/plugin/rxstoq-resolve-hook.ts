/**
 * A Node module resolve hook (registered by share-rxstoq.ts; it runs on Node's hooks thread).
 * `rxstoq` and `rxstoq/<subpath>` resolve as if imported from inside the running rxstoq
 * package, that is through its own package.json `exports` (a package may import itself by
 * name). So a plugin anywhere — $STOQ_HOME/plugins, a --plugin-dir, an installed plugin
 * package, even a project with its own copy of rxstoq — gets the instance that is running,
 * and its classes, shared pool and settings are the ones the engine uses.
 */
interface ResolveContext {
  parentURL?: string;
  conditions: string[];
  importAttributes: Record<string, string>;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string }>;

// This file sits inside the running package, so resolving from here reaches it by self-reference.
const INSIDE_RUNNING_PACKAGE = import.meta.url;

export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): Promise<{ url: string }> {
  if (specifier === 'rxstoq' || specifier.startsWith('rxstoq/')) {
    return nextResolve(specifier, { ...context, parentURL: INSIDE_RUNNING_PACKAGE });
  }
  return nextResolve(specifier, context);
}
