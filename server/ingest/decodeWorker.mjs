// Entry of the decode worker thread: its TypeScript runs through tsx, as the CLI's does (scripts/lrscope.mjs).
// A worker does not inherit the parent's loader hooks, so it registers its own.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

try {
  register();
  await import('./decodeWorker.ts');
} catch (err) {
  const ctrl = new Int32Array(workerData.ctrl);
  Atomics.store(ctrl, 3, -1); // CTRL.READY: failed to start
  Atomics.notify(ctrl, 3);
  throw err;
}
