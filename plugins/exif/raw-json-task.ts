import { ExifToolTask } from 'exiftool-vendored';

/**
 * Tags describing the temporary file the payload was written to rather than the payload itself.
 * Upstream fed the payload on stdin, so ExifTool never printed them; excluding them keeps the
 * results free of random paths and timestamps.
 */
export const TEMP_FILE_TAGS = ['FileName', 'Directory', 'FileModifyDate', 'FileAccessDate', 'FileInodeChangeDate', 'FilePermissions'];

/**
 * `exiftool -j -n FILE` through the wrapper's stay-open process, returning ExifTool's JSON object
 * untouched (the wrapper's `read()` would rename and re-type tags). No `-m`: minor errors stay
 * visible, as they are when ExifTool runs by hand.
 */
export class RawJsonTask extends ExifToolTask<Record<string, unknown>> {
  constructor(file: string) {
    super(['-j', '-n', ...TEMP_FILE_TAGS.map((t) => `--${t}`), file], { ignoreMinorErrors: false });
  }

  protected parse(stdout: string, error?: Error): Record<string, unknown> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(stdout);
    } catch {
      const detail = error?.message ?? (stdout.trim() ? `unexpected output ${JSON.stringify(stdout.trim().slice(0, 200))}` : 'no output');
      throw new Error(`ExifTool printed no JSON: ${detail}`);
    }
    const first: unknown = Array.isArray(parsed) ? parsed[0] : undefined;
    if (first === null || typeof first !== 'object' || Array.isArray(first)) {
      throw new Error(`ExifTool printed JSON of an unexpected shape: ${JSON.stringify(parsed).slice(0, 200)}`);
    }
    return first as Record<string, unknown>;
  }
}
