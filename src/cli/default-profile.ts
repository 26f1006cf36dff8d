import { resolve } from 'node:path';
import { loadConfig } from '../config/load-config.js';
import type { Stoq } from '../stoq.js';
import { type CommonFlags, defaultConfigPath } from './common-options.js';

/**
 * The default analysis profile of `stoq scan` and `stoq run`: what runs when the user configured
 * no workers and no dispatchers at all (none of -a/--always-dispatch, -s/--start-dispatch,
 * -R/--dispatchers, and no `always_dispatch` or `dispatchers` key in stoq.yaml's core), so that
 * `stoq scan sample.exe` on a fresh install answers with an analysis rather than an empty response.
 *
 * - `hash` on every payload, extracted ones too: md5, sha1 and sha256, what every report and
 *   lookup starts from, and the cheapest worker there is (README "The command line" has the costs).
 * - the `yara` dispatcher with its bundled rules (plugins/yara/rules/dispatcher.yar), which route
 *   archives to decompress (so members are scanned too), PE files to peinfo (and PE files carried
 *   inside others to pecarve), ELF to elf, shortcuts to lnk, certificates and signatures to
 *   x509, base64 and XOR-encoded content to b64decode and xordecode, images and documents to exif.
 *
 * Any of those flags or keys replaces the whole profile (the two never mix), and
 * `--no-default-profile` scans with exactly what was given. Connectors, decorators, archivers
 * and providers are not workers: they combine with the profile. The library's `Stoq` has no
 * defaults; the profile is the CLI's convenience.
 */
export const DEFAULT_PROFILE = {
  alwaysDispatch: ['hash'],
  dispatchers: ['yara'],
} as const;

/**
 * The profile's dispatcher that may be unable to load: YARA-X's native binding is published for
 * linux-x64-gnu only (plugins/yara/binding.ts). Without it the profile goes on without routing.
 */
const OPTIONAL_DISPATCHER = 'yara';

export interface ProfiledFlags {
  /** The flags to build the Stoq from: the user's, with the profile filled in when it applies. */
  flags: CommonFlags;
  applied: boolean;
}

/**
 * The user's flags, or the default profile when they configured no workers and no dispatchers.
 * Reads the config file the Stoq will read (a bad one fails here, with the Stoq's own message).
 */
export function withDefaultProfile(flags: CommonFlags): ProfiledFlags {
  const given = { flags, applied: false };
  if (flags.defaultProfile === false) return given;
  if (flags.alwaysDispatch !== undefined || flags.startDispatch !== undefined || flags.dispatchers !== undefined) return given;
  const configFile = resolve(flags.configFile ?? defaultConfigPath());
  const { core } = loadConfig(configFile, { mustExist: flags.configFile !== undefined });
  // A key that is present counts even when empty: `always_dispatch: []` is a way to ask for nothing.
  if (core.always_dispatch !== undefined || core.dispatchers !== undefined) return given;
  return {
    flags: { ...flags, alwaysDispatch: [...DEFAULT_PROFILE.alwaysDispatch], dispatchers: [...DEFAULT_PROFILE.dispatchers] },
    applied: true,
  };
}

/**
 * Wait until `stoq` is ready. When that fails because the profile's yara dispatcher cannot load,
 * the profile goes on without it: a Stoq built by `build` from the flags without yara replaces
 * `stoq` (closed here), and one warning says why. Any other failure is thrown as it was, and a
 * yara named by the user (-R yara) still fails the command: only the profile's own is optional.
 * Returns the Stoq to use, ready, and the flags it was built from (for scan threads).
 */
export async function readyWithProfile(stoq: Stoq, profiled: ProfiledFlags, build: (flags: CommonFlags) => Stoq): Promise<{ stoq: Stoq; flags: CommonFlags }> {
  try {
    await stoq.ready();
    return { stoq, flags: profiled.flags };
  } catch (err) {
    if (!profiled.applied) throw err;
    const why = await loadFailure(stoq, OPTIONAL_DISPATCHER);
    if (why === undefined) throw err;
    const flags = { ...profiled.flags, dispatchers: profiled.flags.dispatchers?.filter((name) => name !== OPTIONAL_DISPATCHER) };
    const next = build(flags);
    try {
      await next.ready();
    } catch (nextErr) {
      // The caller closes the Stoq it holds (the first one); this one is ours to close.
      await next.close();
      throw nextErr;
    }
    await stoq.close();
    next.log.warn(
      `default profile: scanning without the ${OPTIONAL_DISPATCHER} dispatcher, so nothing is routed to decompress, peinfo, elf or the other analysers (-a/-s name them), because it cannot load: ${why}`,
    );
    return { stoq: next, flags };
  }
}

/** Why `name` cannot load as a dispatcher, or undefined when it can (or did). */
async function loadFailure(stoq: Stoq, name: string): Promise<string | undefined> {
  if (stoq.loadedPlugins.has(name)) return undefined;
  try {
    await stoq.loadPlugin(name, 'dispatcher');
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
