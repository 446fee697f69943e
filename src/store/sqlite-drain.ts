/**
 * The SQLite access log's drain off the event loop: `appendAccessEvents` handed to a worker
 * thread (`sqlite-drain-worker.ts`) with a connection of its own, so that the batched inserts
 * (15–20% of the STS server's CPU when they ran on the thread that answers requests,
 * docs/benchmarks.md) no longer take turns with requests.
 *
 * It changes where the store write runs, not what is guaranteed (docs/access-log.md): the
 * journal is still the durability point, and `JournaledAccessLog`'s queue still bounds what
 * waits, retries a failed batch and counts an event as drained only once this resolves. A
 * worker that throws rejects its batch; one that dies (or is terminated) rejects every batch in
 * flight and the next batch starts a new worker. A batch whose answer was lost may have been
 * committed; its retry is harmless since the store skips event ids it holds.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AccessEventInput, Store } from './store.js';

export interface DrainWorkerData {
  file: string;
  partition?: string;
  busyTimeoutMs?: number;
}
export interface DrainRequest {
  id: number;
  events: AccessEventInput[];
}
export type DrainReply =
  { id: number; ok: true } | { id: number; ok: false; error: { name: string; code?: string } };

/** A store write the worker did not do; carries the worker's error name and code, nothing else. */
export class DrainWorkerError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.name = 'DrainWorkerError';
    this.code = code;
  }
}

interface InFlight {
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * From `dist/` the worker's entry is JavaScript. Under tsx or vitest this module is TypeScript and
 * so is the entry; a worker's `--import tsx` does not apply to its own entry module on Node 20,
 * so the worker is a small script that registers tsx's loader and then imports the entry.
 */
function startWorker(data: DrainWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL('./sqlite-drain-worker.js', import.meta.url), { workerData: data });
  }
  const script = `import(${JSON.stringify(tsxApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(
    new URL('./sqlite-drain-worker.ts', import.meta.url).href,
  )}); })`;
  return new Worker(script, { eval: true, workerData: data });
}

/** tsx's ESM `register` API (its CommonJS build of it cannot register from a worker). */
function tsxApi(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('tsx/package.json');
  const { exports } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as {
    exports: { './esm/api': { import: { default: string } } };
  };
  return pathToFileURL(path.join(path.dirname(manifest), exports['./esm/api'].import.default)).href;
}

/**
 * @example
 * const writer = new SqliteAccessLogWriter({ file: path.join(dataDir, 'credplane.db') });
 * const accessLog = new JournaledAccessLog({ dir, key, store: writer, afterClose: () => writer.close() });
 */
export class SqliteAccessLogWriter implements Pick<Store, 'appendAccessEvents'> {
  readonly #data: DrainWorkerData;
  #worker: Worker | undefined;
  readonly #inFlight = new Map<number, InFlight>();
  #nextId = 1;
  #closed = false;
  /** Workers started so far (1 unless one died). */
  started = 0;

  constructor(data: DrainWorkerData) {
    if (data.file === ':memory:') throw new RangeError('a worker cannot share a :memory: database');
    this.#data = data;
  }

  appendAccessEvents(events: AccessEventInput[]): Promise<void> {
    if (this.#closed) return Promise.reject(new DrainWorkerError('access log writer closed'));
    if (events.length === 0) return Promise.resolve();
    const worker = this.#worker ?? this.#start();
    const id = this.#nextId++;
    return new Promise<void>((resolve, reject) => {
      this.#inFlight.set(id, { resolve, reject });
      worker.ref(); // a batch in flight keeps the process alive until it is answered
      worker.postMessage({ id, events } satisfies DrainRequest);
    });
  }

  /**
   * Ends the worker as a crash would: batches in flight are rejected (and retried by the queue
   * on a new worker). For tests of that path, and used by `close`.
   */
  async terminate(): Promise<void> {
    const worker = this.#worker;
    if (worker === undefined) return;
    await worker.terminate();
    this.#lost(worker, new DrainWorkerError('access log worker terminated'));
  }

  /** Called once the queue has drained: ends the worker (nothing may be in flight by then). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.terminate();
  }

  #start(): Worker {
    const worker = startWorker(this.#data);
    this.started++;
    worker.unref();
    worker.on('message', (reply: DrainReply) => {
      const waiter = this.#inFlight.get(reply.id);
      if (waiter === undefined) return;
      this.#inFlight.delete(reply.id);
      if (this.#inFlight.size === 0) worker.unref();
      if (reply.ok) waiter.resolve();
      else waiter.reject(new DrainWorkerError(`access log worker: ${reply.error.name}`, reply.error.code));
    });
    worker.on('error', (error) => {
      this.#lost(worker, new DrainWorkerError(`access log worker failed: ${error.name}`));
    });
    worker.on('exit', () => {
      this.#lost(worker, new DrainWorkerError('access log worker exited'));
    });
    this.#worker = worker;
    return worker;
  }

  /** The worker is gone: every batch it held is rejected; the next batch starts another. */
  #lost(worker: Worker, error: Error): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    const waiters = [...this.#inFlight.values()];
    this.#inFlight.clear();
    for (const waiter of waiters) waiter.reject(error);
  }
}
