// bench:watch — what `lrscope watch` costs while nothing changes, over a tree of N runs (default 1,000,
// written by scripts/gen-lab.ts): CPU % of one core over a window (default 60 s) once everything is read,
// and RSS. The target is < 2% of a core.
//   npm run bench:watch -- [--runs 1000] [--points 2000000] [--seconds 60] [--warmup 15] [--path DIR] [--poll MS]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { measureWatchIdle } from './bench/watchIdle';
import { generateLab } from './gen-lab';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const runs = Number(flag('runs') ?? 1000);
const points = Number(flag('points') ?? 2_000_000);
const seconds = Number(flag('seconds') ?? 60);
const poll = flag('poll');
const warmup = Number(flag('warmup') ?? 15);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lrscope-bench-watch-'));
let root = flag('path');
if (!root) {
  root = path.join(dir, 'lab');
  const lab = generateLab({ out: root, runs, points });
  console.log(`gen-lab: ${lab.runs.length} runs, ${lab.points} points in ${lab.ms} ms`);
}
const r = await measureWatchIdle({ paths: [root], db: path.join(dir, 'db.sqlite'), seconds, warmupMs: warmup * 1000, args: poll ? ['--poll', poll] : [] });
console.log(
  `watch over ${root}: ready in ${(r.readyMs / 1000).toFixed(1)} s; idle CPU ${r.cpuPercent.toFixed(2)}% of a core ` +
    `(${r.cpuMs.toFixed(0)} ms over ${r.seconds.toFixed(1)} s, from ${warmup} s after ready; target < 2%), RSS ${r.rssMb.toFixed(0)} MB`,
);
fs.rmSync(dir, { recursive: true, force: true });
