// Synchronous HTTP for the agent (the ingest code it reuses calls its store synchronously, as it calls the
// local Store): a worker thread runs fetch(); the calling thread posts the request and sleeps on a shared
// counter (Atomics.wait) until the answer is there — the same bridge as the PostgreSQL driver
// (db/pg/database.ts). One request at a time: the caller waits for each answer before it sends more
// (back-pressure: a slow server slows the agent down, nothing queues up).
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

const WORKER = String.raw`
const { workerData } = require('node:worker_threads');
const ctrl = new Int32Array(workerData.ctrl);
const port = workerData.port;
function answer(m) { port.postMessage(m); Atomics.add(ctrl, 0, 1); Atomics.notify(ctrl, 0); }
process.on('exit', () => { Atomics.store(ctrl, 1, 1); Atomics.add(ctrl, 0, 1); Atomics.notify(ctrl, 0); });
port.on('message', async (m) => {
  const ac = new AbortController();
  const t = setTimeout(() => ac.abort(), m.timeoutMs);
  try {
    const r = await fetch(m.url, { method: m.method, headers: m.headers, body: m.body, signal: ac.signal });
    answer({ id: m.id, ok: true, status: r.status, body: await r.text() });
  } catch (err) {
    const cause = err && err.cause ? err.cause : err;
    answer({ id: m.id, ok: false, message: ac.signal.aborted ? 'timed out after ' + m.timeoutMs + ' ms' : String((cause && cause.message) || cause), code: cause && cause.code ? String(cause.code) : undefined });
  } finally {
    clearTimeout(t);
  }
});
`;

export interface SyncResponse {
  status: number;
  body: string;
}

/** The server could not be reached, or did not answer in time. */
export class HttpLinkError extends Error {
  constructor(message: string, readonly cause?: string) {
    super(message);
    this.name = 'HttpLinkError';
  }
}

type Answer = { id: number; ok: true; status: number; body: string } | { id: number; ok: false; message: string; code?: string };

export class SyncHttp {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(8));
  private nextId = 1;

  constructor(private readonly timeoutMs = 120_000) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(WORKER, { eval: true, workerData: { ctrl: this.ctrl.buffer, port: port2 }, transferList: [port2] });
    this.worker.unref();
    this.port.unref();
  }

  request(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): SyncResponse {
    const id = this.nextId++;
    this.port.postMessage({ id, url, method: opts.method ?? 'GET', headers: opts.headers ?? {}, body: opts.body, timeoutMs: this.timeoutMs });
    for (;;) {
      const seen = Atomics.load(this.ctrl, 0);
      const msg = receiveMessageOnPort(this.port);
      if (msg) {
        const a = msg.message as Answer;
        if (a.id !== id) continue; // an answer to a request given up on
        if (!a.ok) throw new HttpLinkError(`${url}: ${a.message}`, a.code);
        return { status: a.status, body: a.body };
      }
      if (Atomics.load(this.ctrl, 1) === 1) throw new HttpLinkError('the HTTP worker thread exited');
      Atomics.wait(this.ctrl, 0, seen, 1000);
    }
  }

  close(): void {
    void this.worker.terminate();
  }
}
