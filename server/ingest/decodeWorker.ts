// The decode worker (a node:worker_threads thread): reads, frames and decodes a file chunk by chunk with
// the same pure readers ingestFile uses (readChunk.ts), and posts each chunk's records to the writer
// thread, at most `queue` batches ahead of what the writer has taken. The writer commits batch N while this
// thread decodes batch N+1; memory stays at a few batches whatever the file size. The readers see small
// pieces (their per-record objects die young); pieces are folded into batches (chunkBatch.ts) so the
// writer commits a few megabytes at a time.
import { workerData } from 'node:worker_threads';
import { readChunks } from './readChunk';
import { ChunkBatch } from './chunkBatch';
import { columnBuffers } from './scalarColumns';
import { CTRL, type JobMessage, type WorkerInit, type WorkerMessage } from './decodeWorkerProtocol';

const { ctrl: ctrlBuffer, port } = workerData as WorkerInit;
const ctrl = new Int32Array(ctrlBuffer);

function post(m: WorkerMessage, transfer: ArrayBuffer[] = []): number {
  port.postMessage(m, transfer);
  const n = Atomics.add(ctrl, CTRL.PRODUCED, 1) + 1;
  Atomics.notify(ctrl, CTRL.PRODUCED);
  return n;
}

function runJob(m: JobMessage): void {
  let posted = 0;
  try {
    const steps = readChunks(m.fd, m.job);
    let batch: ChunkBatch | null = null;
    const flush = () => {
      const read = batch!.finish();
      const cols = read.commit.columns;
      posted = post({ type: 'chunk', offset: batch!.offset, read }, cols ? columnBuffers(cols) : []);
      batch = null;
      // the bounded queue: wait while `queue` batches are posted and not yet taken
      for (;;) {
        const taken = Atomics.load(ctrl, CTRL.CONSUMED);
        if (posted - taken < m.queue || Atomics.load(ctrl, CTRL.CANCEL) !== 0) break;
        Atomics.wait(ctrl, CTRL.CONSUMED, taken, 1000);
      }
    };
    while (Atomics.load(ctrl, CTRL.CANCEL) === 0) {
      const next = steps.next();
      if (next.done) break;
      batch ??= new ChunkBatch(next.value.offset);
      batch.add(next.value.read);
      if (batch.consumed >= m.batchBytes) flush();
    }
    if (batch !== null && Atomics.load(ctrl, CTRL.CANCEL) === 0) flush();
  } catch (err) {
    post({ type: 'error', message: (err as Error).message ?? String(err), stack: (err as Error).stack });
  }
  post({ type: 'end' });
}

port.on('message', (m: JobMessage) => {
  if (m?.type === 'job') runJob(m);
});
Atomics.store(ctrl, CTRL.READY, 1);
Atomics.notify(ctrl, CTRL.READY);
