/** FILETIME (100 ns ticks since 1601-01-01 UTC) as ISO-8601 with all seven fraction digits; 0 is null. */
export function filetimeIso(ticks: bigint): string | null {
  if (ticks === 0n) return null;
  const EPOCH_DIFF = 116444736000000000n; // 1601 → 1970 in ticks
  const sinceUnix = ticks - EPOCH_DIFF;
  const seconds = sinceUnix / 10_000_000n - (sinceUnix % 10_000_000n < 0n ? 1n : 0n);
  const fraction = sinceUnix - seconds * 10_000_000n;
  const date = new Date(Number(seconds) * 1000).toISOString().replace(/\.000Z$/, '');
  return `${date}.${fraction.toString().padStart(7, '0')}Z`;
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** A GUID in its usual text form (lower case), from its 16 stored bytes (first three fields little-endian). */
export function guidText(b: Uint8Array): string {
  const le = (from: number, to: number) => hex(Uint8Array.from(b.subarray(from, to)).reverse());
  return `${le(0, 4)}-${le(4, 6)}-${le(6, 8)}-${hex(b.subarray(8, 10))}-${hex(b.subarray(10, 16))}`;
}

/** The node field of a version-1 (time-based) UUID: the MAC address of the machine that made it. */
export function uuidV1Mac(b: Uint8Array): string | null {
  if (b[7]! >> 4 !== 1) return null;
  return [...b.subarray(10, 16)].map((x) => x.toString(16).padStart(2, '0')).join(':');
}
