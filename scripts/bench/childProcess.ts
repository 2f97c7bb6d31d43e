// A child process measured from outside: wall time, CPU time (user + system) and peak RSS (VmHWM, which
// covers every thread: the decode worker's memory counts), read from /proc while it runs. For bench:scale.
import fs from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';

const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on Linux

export interface ChildRun {
  code: number | null;
  ms: number;
  cpuMs: number;
  /** peak resident set size, MB */
  peakRssMb: number;
  out: string;
  err: string;
}

/** utime + stime of a live process, ms; null once it is gone. */
export function cpuMsOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) / CLK_TCK) * 1000;
  } catch {
    return null;
  }
}

/** VmHWM (peak RSS so far) of a live process, MB; null once it is gone. */
export function peakRssMbOf(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Runs `node <args>` to its end, sampling its CPU and peak RSS every 100 ms (the last sample before exit counts). */
export function runNode(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const child: ChildProcess = spawn(process.execPath, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    let cpuMs = 0;
    let peak = 0;
    const sample = () => {
      const c = cpuMsOf(child.pid!);
      const p = peakRssMbOf(child.pid!);
      if (c !== null) cpuMs = c;
      if (p !== null && p > peak) peak = p;
    };
    const timer = setInterval(sample, 100);
    child.once('error', (e) => {
      clearInterval(timer);
      reject(e);
    });
    child.once('exit', (code) => {
      clearInterval(timer);
      resolve({ code, ms: Number(process.hrtime.bigint() - t) / 1e6, cpuMs, peakRssMb: peak, out, err });
    });
  });
}
