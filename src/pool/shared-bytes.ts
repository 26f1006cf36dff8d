/**
 * Buffers backed by SharedArrayBuffer memory, which pool threads read in place: handing such a
 * payload to a thread copies nothing and leaves the caller's bytes intact (a transfer would
 * detach them while other plugins still read the payload).
 *
 * Small buffers are carved from shared slabs, like Node's own Buffer pool: allocating a fresh
 * SharedArrayBuffer per small file costs several times more than reading the file. A slab's
 * memory is freed once no buffer carved from it is referenced any more — including by the pool
 * threads that saw it, which let go only at their own (rare) garbage collections. For many small
 * payloads, plain buffers (copied and moved to the thread and back by `WorkerPool.digest`) keep
 * memory lower; shared memory pays off for large buffers read once and hashed in place.
 */
const SLAB_SIZE = 4 * 1024 * 1024;
/** Larger buffers get memory of their own, so one long-lived buffer cannot pin a whole slab. */
const SLAB_MAX = 128 * 1024;

let slab: SharedArrayBuffer | undefined;
let offset = 0;

export function isShared(bytes: Uint8Array): boolean {
  return typeof SharedArrayBuffer === 'function' && bytes.buffer instanceof SharedArrayBuffer;
}

/** A zero-filled Buffer of `size` bytes in shared memory. */
export function allocShared(size: number): Buffer {
  if (size > SLAB_MAX) return Buffer.from(new SharedArrayBuffer(size));
  if (!slab || offset + size > SLAB_SIZE) {
    slab = new SharedArrayBuffer(SLAB_SIZE);
    offset = 0;
  }
  const buf = Buffer.from(slab, offset, size);
  // Keep every buffer 8-byte aligned, as Node's pool does.
  offset += (size + 7) & ~7;
  return buf;
}

/** `bytes` itself when it already lives in shared memory, else a shared copy. */
export function toShared(bytes: Uint8Array): Buffer {
  if (isShared(bytes)) return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const copy = allocShared(bytes.byteLength);
  copy.set(bytes);
  return copy;
}
