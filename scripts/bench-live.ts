// npm run bench:live — latency from an append to an event file to the live.onChange event a client
// receives, over 200 appends at 20 Hz; beside it, in the same run, the same appends seen by a
// TensorBoard-style reloader that re-reads the logdir every 5 s (TensorBoard's default reload_interval).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startWatch, trpcClient } from '../tests/helpers/watchProcess';
import { encodeFileVersionEvent, encodeScalarEvent, eventRecord, eventFileName } from '../server/ingest/tfeventsWriter';
import { readTfRecords } from '../server/ingest/tfrecord';
import { decodeTfEvents, newTfEventsState } from '../server/ingest/tfevents';

const APPENDS = 200;
const HZ = 20;
const TB_RELOAD_MS = 5000;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-bench-live-'));
  const tb = path.join(dir, 'logs', 'run_a', 'version_0');
  fs.mkdirSync(tb, { recursive: true });
  const t0 = Date.now() / 1000;
  const file = path.join(tb, eventFileName(t0, 'bench', process.pid));
  fs.writeFileSync(file, eventRecord(encodeFileVersionEvent(t0)));
  const w = await startWatch([path.join(dir, 'logs'), '--db', path.join(dir, 'db.sqlite'), '--port', String(await freePort())]);
  const api = trpcClient(w.url);
  const sent = new Map<number, number>();
  const ours = new Map<number, number>();
  const sub = api.live.onChange.subscribe(
    {},
    {
      onData: ({ data }) => {
        if (data.type !== 'data' || data.lastStep === null) return;
        const now = performance.now();
        for (const [step, at] of sent) if (step <= data.lastStep && !ours.has(step)) ours.set(step, now - at);
      },
    },
  );
  // the TensorBoard-style baseline: poll the file every 5 s from the last offset
  const theirs = new Map<number, number>();
  let tbOffset = 0;
  const tbTimer = setInterval(() => {
    const buf = fs.readFileSync(file);
    const r = readTfRecords(buf.subarray(tbOffset), tbOffset);
    tbOffset = r.nextOffset;
    const now = performance.now();
    for (const s of decodeTfEvents(r.records, newTfEventsState()).scalars) {
      const at = sent.get(s.step);
      if (at !== undefined && !theirs.has(s.step)) theirs.set(s.step, now - at);
    }
  }, TB_RELOAD_MS);
  await new Promise((r) => setTimeout(r, 1000)); // subscription established
  for (let i = 0; i < APPENDS; i++) {
    const step = i + 1;
    sent.set(step, performance.now());
    fs.appendFileSync(file, eventRecord(encodeScalarEvent({ tag: 'train_gen_l1', step, value: 1 / step, wallTime: Date.now() / 1000 })));
    await new Promise((r) => setTimeout(r, 1000 / HZ));
  }
  const deadline = Date.now() + TB_RELOAD_MS + 3000;
  while ((ours.size < APPENDS || theirs.size < APPENDS) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  clearInterval(tbTimer);
  sub.unsubscribe();
  await w.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  const a = [...ours.values()];
  const b = [...theirs.values()];
  console.log(`appends: ${APPENDS} at ${HZ} Hz; received: lrscope ${a.length}, TensorBoard-style reloader ${b.length}`);
  console.log(`lrscope live.onChange     : p50 ${pct(a, 50).toFixed(0).padStart(5)} ms   p95 ${pct(a, 95).toFixed(0).padStart(5)} ms   (target p95 ≤ 500 ms) ${pct(a, 95) <= 500 ? 'OK' : 'ABOVE TARGET'}`);
  console.log(`TensorBoard (5 s reload)  : p50 ${pct(b, 50).toFixed(0).padStart(5)} ms   p95 ${pct(b, 95).toFixed(0).padStart(5)} ms   (backend only; its page then refreshes every 30 s)`);
}

await main();
