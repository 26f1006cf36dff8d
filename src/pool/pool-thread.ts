import { createHash } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, type TransferListItem } from 'node:worker_threads';
import { TRANSFER, type ErrorShape, type PoolTask, type ReplyMessage, type TaskBatch, type TaskMessage } from './protocol.js';

/**
 * The runtime inside each pool thread. Tasks run strictly one after another, so the pool always
 * knows which task a thread is busy with (the only one it may terminate the thread for).
 */
const port = parentPort!;
const modules = new Map<string, Promise<Record<string, unknown>>>();
const queue: TaskMessage[] = [];
let running = false;

const load = (specifier: string) => {
  const url = isAbsolute(specifier) ? pathToFileURL(specifier).href : specifier;
  let mod = modules.get(url);
  if (!mod) {
    mod = import(url) as Promise<Record<string, unknown>>;
    modules.set(url, mod);
    mod.catch(() => modules.delete(url));
  }
  return mod;
};

async function perform(task: PoolTask): Promise<unknown> {
  if (task.op === 'digest') return task.algorithms.map((a) => createHash(a).update(task.data).digest('hex'));
  if (task.op === 'call') {
    const mod = await load(task.module);
    const fn = mod[task.fn];
    if (typeof fn !== 'function') throw new TypeError(`${task.module} has no exported function ${task.fn}`);
    return await (fn as (...a: unknown[]) => unknown)(...task.args);
  }
  throw new TypeError(`unknown pool task ${(task as { op?: unknown }).op}`);
}

const errorShape = (err: unknown): ErrorShape => {
  const e = err as { name?: unknown; message?: unknown; code?: unknown; stack?: unknown } | null;
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    message: typeof e?.message === 'string' ? e.message : String(err),
    code: typeof e?.code === 'string' ? e.code : undefined,
    stack: typeof e?.stack === 'string' ? e.stack : undefined,
  };
};

/** Answers not sent yet, and when the oldest was ready: sent once the queue is empty or it has waited 2 ms. */
let replies: ReplyMessage[] = [];
let replyTransfer: TransferListItem[] = [];
let oldestReply = 0;

function flush(): void {
  if (replies.length === 0) return;
  const batch = replies;
  const transfer = replyTransfer;
  replies = [];
  replyTransfer = [];
  try {
    port.postMessage(batch, transfer);
  } catch {
    // One answer cannot be cloned: send them one by one so only that task fails.
    for (const reply of batch) {
      try {
        port.postMessage([reply], transfer);
      } catch (err) {
        port.postMessage([{ id: reply.id, ok: false, error: { name: 'DataCloneError', message: `task result cannot leave its thread: ${errorShape(err).message}` } }]);
      }
    }
  }
}

async function drain(): Promise<void> {
  running = true;
  while (queue.length > 0) {
    const msg = queue.shift()!;
    let reply: ReplyMessage;
    try {
      const value = await perform(msg.task);
      const list = (value as { [TRANSFER]?: unknown } | null)?.[TRANSFER];
      if (Array.isArray(list)) replyTransfer.push(...(list as TransferListItem[]));
      reply = { id: msg.id, ok: true, value };
    } catch (err) {
      reply = { id: msg.id, ok: false, error: errorShape(err) };
    }
    if (msg.task.op === 'digest' && msg.task.giveBack && msg.task.data.buffer instanceof ArrayBuffer) {
      reply.returned = msg.task.data.buffer;
      replyTransfer.push(msg.task.data.buffer);
    }
    if (replies.length === 0) oldestReply = performance.now();
    replies.push(reply);
    if (queue.length === 0 || replies.length >= 64 || performance.now() - oldestReply > 2) flush();
  }
  running = false;
}

port.on('message', (batch: TaskBatch) => {
  queue.push(...batch);
  if (!running) void drain();
});
