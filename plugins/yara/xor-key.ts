/**
 * The XOR key that turns `plaintext` into `encoded`, as its shortest repeating unit
 * (`[0x11, 0x10]` for a key stream 11 10 11 10 ...). Only the overlapping length is compared.
 * Returns undefined when there is nothing to compare or the key is all zeros (the bytes were not
 * encoded at all, so there is nothing to decode).
 */
export function xorKey(plaintext: Uint8Array, encoded: Uint8Array): number[] | undefined {
  const n = Math.min(plaintext.length, encoded.length);
  if (n === 0) return undefined;
  const stream = new Array<number>(n);
  for (let i = 0; i < n; i++) stream[i] = plaintext[i]! ^ encoded[i]!;
  if (stream.every((b) => b === 0)) return undefined;
  for (let period = 1; period <= n; period++) {
    let repeats = true;
    for (let i = period; i < n && repeats; i++) repeats = stream[i] === stream[i - period];
    if (repeats) return stream.slice(0, period);
  }
  return stream;
}
