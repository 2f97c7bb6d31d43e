// What `lrscope watch` costs while nothing changes: CPU (user + system, from /proc/<pid>/stat) and RSS of
// a real `watch --no-dashboard` process over a tree of runs, after it has read them. bench:watch prints
// it; measureWatchIdle() is exported for bench:scale.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { packageRoot } from '../../server/paths';

export interface WatchIdleOptions {
  paths: string[];
  db: string;
  /** measured window, seconds */
  seconds: number;
  /** wait this long after the watcher is ready before measuring (default 15 s: the diagnosis of what was just read is debounced up to 10 s) */
  warmupMs?: number;
  /** extra arguments for `lrscope watch` (e.g. ['--poll', '1000']) */
  args?: string[];
  env?: Record<string, string>;
}

export interface WatchIdleResult {
  /** CPU time (user + system) over the window as a percentage of one core */
  cpuPercent: number;
  cpuMs: number;
  seconds: number;
  /** resident set size at the end, MB */
  rssMb: number;
  /** from start to the watcher's ready line, ms */
  readyMs: number;
}

const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on Linux

function cpuTicks(pid: number): number {
  // utime and stime are fields 14 and 15; the command name (field 2) may hold spaces, so count after ')'
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Starts `lrscope watch --no-dashboard`, waits until it has read everything, measures, stops it. */
export async function measureWatchIdle(o: WatchIdleOptions): Promise<WatchIdleResult> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [path.join(packageRoot(), 'scripts/lrscope.mjs'), 'watch', ...o.paths, '--db', o.db, '--no-dashboard', ...(o.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...o.env },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (/\d+ runs? in the database/.test(out)) resolve();
      };
      child.stdout.on('data', check);
      child.once('exit', (code) => reject(new Error(`watch exited (${code}) before it was ready:\n${out}`)));
    });
    const readyMs = Date.now() - t0;
    await new Promise((r) => setTimeout(r, o.warmupMs ?? 15_000));
    const a = cpuTicks(child.pid!);
    const start = Date.now();
    await new Promise((r) => setTimeout(r, o.seconds * 1000));
    const b = cpuTicks(child.pid!);
    const seconds = (Date.now() - start) / 1000;
    const cpuMs = ((b - a) / CLK_TCK) * 1000;
    return { cpuPercent: (cpuMs / 1000 / seconds) * 100, cpuMs, seconds, rssMb: rssMb(child.pid!), readyMs };
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    }
  }
}
