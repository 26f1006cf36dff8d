/**
 * The entry of every thread a ThreadHost starts. It imports the thread module named in
 * workerData, runs its `setup`, then hands it requests one after another, in arrival order, and
 * answers each. Handling requests strictly in order is what lets the host know which request a
 * thread is busy with: the only one it may terminate the thread for.
 */
import { pathToFileURL } from 'node:url';
import { parentPort, workerData, type TransferListItem } from 'node:worker_threads';
import type { ThreadModule } from './thread-module.js';
import { errorShape, movedBy, type FromThread, type ThreadBoot, type ToThread } from './wire.js';

const port = parentPort!;
const boot = workerData as ThreadBoot;
const post = (msg: FromThread, transfer?: readonly TransferListItem[]) => port.postMessage(msg, transfer);

let mod: ThreadModule | undefined;
let state: unknown;

/** Requests not handled yet, flat (id, request, …), from `head` on. */
let inbox: unknown[] = [];
let head = 0;
let draining = false;
let closeAsked = false;

/** Answers held while more requests wait (sent together), and the buffers they move. */
let held: unknown[] = [];
let heldMoved: TransferListItem[] = [];
let oldestHeld = 0;
let flushScheduled = false;
/** Answers held at most: past this many, or this long, they go even with more requests waiting. */
const HOLD_MAX = 64;
const HOLD_MS = 2;

port.on('message', (msg: ToThread) => {
  if (msg.kind === 'run') {
    if (head >= inbox.length) {
      inbox = msg.batch;
      head = 0;
    } else {
      for (const x of msg.batch) inbox.push(x);
    }
  } else {
    closeAsked = true;
  }
  if (mod && !draining) void drain();
});

async function start(): Promise<void> {
  try {
    const loaded = (await import(pathToFileURL(boot.module).href)) as Partial<ThreadModule>;
    if (typeof loaded.handle !== 'function') throw new TypeError(`thread module ${boot.module} exports no handle(request, state) function`);
    state = await loaded.setup?.(boot.data);
    mod = loaded as ThreadModule;
  } catch (err) {
    post({ kind: 'failed', error: errorShape(err) });
    return;
  }
  post({ kind: 'ready' });
  if (!draining) void drain();
}

async function drain(): Promise<void> {
  draining = true;
  const { handle } = mod!;
  while (head < inbox.length) {
    const id = inbox[head];
    const request = inbox[head + 1];
    inbox[head] = inbox[head + 1] = undefined;
    head += 2;
    try {
      let value = handle(request, state);
      // Only a promise costs a turn of the microtask queue.
      if (isThenable(value)) value = await value;
      hold(id, true, value);
    } catch (err) {
      hold(id, false, errorShape(err));
    }
    if (head >= inbox.length || held.length >= HOLD_MAX * 3 || performance.now() - oldestHeld > HOLD_MS) flush();
  }
  inbox = [];
  head = 0;
  draining = false;
  if (closeAsked) await finish();
}

const isThenable = (v: unknown): v is PromiseLike<unknown> => v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';

function hold(id: unknown, ok: boolean, value: unknown): void {
  if (held.length === 0) oldestHeld = performance.now();
  held.push(id, ok, value);
  const moved = ok ? movedBy(value) : undefined;
  if (moved) for (const b of moved) heldMoved.push(b);
  // A request that waits for I/O lets the event loop turn: answers held so far go then, rather
  // than after it (the host may be waiting for them to hand over more work).
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}

function flush(): void {
  flushScheduled = false;
  if (held.length === 0) return;
  const batch = held;
  const moved = heldMoved;
  held = [];
  heldMoved = [];
  try {
    post(moved.length > 0 ? { kind: 'replies', batch, moved } : { kind: 'replies', batch }, moved);
    return;
  } catch {
    // One answer cannot be cloned: send them one by one so only that request fails.
  }
  for (let i = 0; i < batch.length; i += 3) {
    const id = batch[i];
    const ok = batch[i + 1] === true;
    const value = batch[i + 2];
    const own = (ok ? movedBy(value) : undefined) ?? [];
    try {
      post({ kind: 'replies', batch: [id, ok, value], moved: own }, own);
    } catch (err) {
      const error = { name: 'DataCloneError', message: `the result cannot leave its thread: ${errorShape(err).message}` };
      post({ kind: 'replies', batch: [id, false, error] });
    }
  }
}

/** Asked to close: every request is answered; the module cleans up; the thread ends. */
async function finish(): Promise<void> {
  flush();
  try {
    await mod!.close?.(state);
    post({ kind: 'closed' });
  } catch (err) {
    post({ kind: 'closed', error: errorShape(err) });
  }
  // The thread exits once nothing else (the module's own handles) keeps it alive.
  port.close();
}

void start();
