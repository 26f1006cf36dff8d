import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { textDecoder } from 'rxstoq';

/** Python's cp1252 codec, the reference: a defined byte's character, or null for the five undefined ones. */
function pythonCp1252(): Array<string | null> {
  const script =
    'import json\nprint(json.dumps([bytes([b]).decode("cp1252", errors="strict") if b not in (0x81, 0x8d, 0x8f, 0x90, 0x9d) else None for b in range(256)]))';
  const out = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout) as Array<string | null>;
}

describe('textDecoder', () => {
  it('decodes every Windows-1252 byte as Python’s cp1252 does (the five undefined ones as C1 controls, as WHATWG says)', () => {
    const reference = pythonCp1252();
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const text = textDecoder('windows-1252').decode(all);
    expect(text).toHaveLength(256);
    for (const [b, c] of [...text].entries()) expect(c, `byte 0x${b.toString(16)}`).toBe(reference[b] ?? String.fromCharCode(b));
    expect(textDecoder(' CP1252 ').decode(Uint8Array.from([0x93, 0x80, 0x94]))).toBe('“€”');
    expect(textDecoder('x-cp1252').encoding).toBe('windows-1252');
  });

  it('leaves every other label to TextDecoder: latin1 stays ISO-8859-1, unknown labels throw', () => {
    expect(textDecoder('latin1').decode(Uint8Array.from([0x93]))).toBe('\u0093');
    expect(textDecoder('windows-1251').decode(Uint8Array.from([0xc0]))).toBe('А');
    expect(textDecoder('utf-8').decode(Buffer.from('ünï'))).toBe('ünï');
    expect(() => textDecoder('no-such-charset')).toThrow(RangeError);
  });
});
