import { createRequire } from 'node:module';
import { StoqPluginException } from 'rxstoq';

/**
 * YARA-X's native binding, loaded from its platform package directly rather than through the
 * `@litko/yara-x` wrapper: the wrapper lists darwin packages that were never published, and npm
 * (11.16+) then writes lock files that its own `npm ci` rejects, in every project that installs
 * rxstoq. The platform package is an optionalDependency, so npm skips it where it does not run;
 * this module is then what reports it missing. Why, with the evidence: README.md beside this file.
 */
export const BINDING_PACKAGE = '@litko/yara-x-linux-x64-gnu';
/** Pinned: the registry also holds a stray 0.7.2 of the platform package with no wrapper release. */
export const BINDING_VERSION = '0.3.0';
/** The one platform the binding is published for, as `platform-arch-libc`. */
export const BINDING_PLATFORM = 'linux-x64-gnu';

// The subset of @litko/yara-x 0.3.0's index.d.ts (MIT) that the plugin uses.
export interface CompilerError {
  code: string;
  message: string;
  source?: string;
  line?: number;
  column?: number;
}
export type CompilerWarning = CompilerError;
export interface CompileResult {
  warnings: CompilerWarning[];
  errors: CompilerError[];
}
export interface CompilerOptions {
  includeDirectories?: string[];
  enableIncludes?: boolean;
}
export interface MatchData {
  offset: number;
  length: number;
  /** Lossy UTF-8 copy of the bytes: slice the payload by offset/length instead. */
  data: string;
  identifier: string;
}
export interface RuleMatch {
  ruleIdentifier: string;
  namespace: string;
  meta: object;
  tags: string[];
  matches: MatchData[];
}
export interface YaraX {
  scanAsync(data: Buffer, variables?: object | null): Promise<RuleMatch[]>;
}
export interface YaraXBinding {
  compile(ruleSource: string, options?: CompilerOptions | null): YaraX;
  validate(ruleSource: string, options?: CompilerOptions | null): CompileResult;
}

/** `linux-x64-gnu`, `linux-arm64-musl`, `darwin-arm64`: the name napi-rs gives platform packages. */
export function platformLabel(): string {
  if (process.platform !== 'linux') return `${process.platform}-${process.arch}`;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return `linux-${process.arch}-${header?.glibcVersionRuntime ? 'gnu' : 'musl'}`;
}

/** Why the binding is absent, and what to do about it, for this machine. */
export function missingBindingMessage(platform: string): string {
  const why =
    platform === BINDING_PLATFORM
      ? `it is not installed (npm leaves optional dependencies out under --omit=optional); install it with \`npm install ${BINDING_PACKAGE}@${BINDING_VERSION}\` where rxstoq is installed`
      : `it is published for ${BINDING_PLATFORM} only, and this machine is ${platform}`;
  return `the yara plugin needs YARA-X's native binding ${BINDING_PACKAGE}@${BINDING_VERSION}, which cannot be found: ${why}. Every other plugin works without it.`;
}

function loadBinding(): YaraXBinding {
  const require = createRequire(import.meta.url);
  try {
    return require(BINDING_PACKAGE) as YaraXBinding;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'MODULE_NOT_FOUND') throw new StoqPluginException(missingBindingMessage(platformLabel()), { cause: err });
    throw new StoqPluginException(`YARA-X's native binding ${BINDING_PACKAGE} is installed but failed to load: ${(err as Error).message}`, { cause: err });
  }
}

// Loaded when the plugin module is imported, so a machine without the binding fails at plugin load.
export const { compile, validate } = loadBinding();
