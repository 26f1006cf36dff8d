import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { DefaultExiftoolArgs, exiftoolPath } from 'exiftool-vendored';

/**
 * The absolute path of `bin` (a path, or a name looked up on PATH as upstream's `bin` was),
 * or an error saying it is not an executable file. Checked before spawning because a failed
 * spawn only surfaces after the wrapper's 30 s start-up timeout.
 */
export async function resolveExecutable(bin: string): Promise<string> {
  const candidates = bin.includes('/')
    ? [resolve(bin)]
    : (process.env['PATH'] ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, bin));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // Not here; try the next candidate.
    }
  }
  throw new Error(`${JSON.stringify(bin)} is not an executable file${bin.includes('/') ? '' : ' on PATH'}`);
}

export interface ProcessListeners {
  onError: (err: Error) => void;
  onExit: (code: number | null, signal: NodeJS.Signals | null) => void;
}

/**
 * Starts `exiftool -stay_open True -@ -` (the bundled one unless `bin` is given), with listeners
 * attached at once: a spawn error emitted before the process pool attaches its own listener
 * would otherwise be an uncaught exception.
 */
export function exiftoolFactory(bin: string | undefined, listeners: ProcessListeners): () => Promise<ChildProcess> {
  return async () => {
    const path = bin ?? (await exiftoolPath());
    // LANG=C as the wrapper sets it: ExifTool's messages stay in English for error matching.
    const child = spawn(path, DefaultExiftoolArgs, { stdio: 'pipe', shell: false, detached: false, env: { ...process.env, LANG: 'C' } });
    child.on('error', listeners.onError);
    child.on('exit', listeners.onExit);
    return child;
  };
}
