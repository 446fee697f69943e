/**
 * The worker thread behind `SqliteAccessLogWriter` (`sqlite-drain.ts`): its own better-sqlite3
 * connection to the store's file (WAL mode: the main thread's reads go on while it writes), and
 * `appendAccessEvents` exactly as the main thread's store runs it. One batch at a time, in the
 * order they arrive; each is answered by id, with the error's name and code only (never the
 * event's contents).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DrainReply, DrainRequest, DrainWorkerData } from './sqlite-drain.js';
import { openSqliteStore } from './sqlite.js';

const port = parentPort;
if (port === null) throw new Error('sqlite-drain-worker runs as a worker thread');
const data = workerData as DrainWorkerData;
const store = await openSqliteStore({
  file: data.file,
  ...(data.partition === undefined ? {} : { partition: data.partition }),
  ...(data.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: data.busyTimeoutMs }),
});

function errorLabel(error: unknown): { name: string; code?: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? { name: error.name, code } : { name: error.name };
  }
  return { name: typeof error };
}

// Serialized: a batch starts once the one before it committed (the queue sends one at a time
// anyway; this keeps the worker correct if it did not).
let tail: Promise<void> = Promise.resolve();
port.on('message', (request: DrainRequest) => {
  tail = tail.then(async () => {
    let reply: DrainReply;
    try {
      await store.appendAccessEvents(request.events);
      reply = { id: request.id, ok: true };
    } catch (error) {
      reply = { id: request.id, ok: false, error: errorLabel(error) };
    }
    port.postMessage(reply);
  });
});
port.on('close', () => {
  void tail.then(() => store.close());
});
