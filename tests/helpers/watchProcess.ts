// Runs `lrscope watch` as a real child process, the way a user does.
import net from 'node:net';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import type { AppRouter } from '../../server/api/root';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** `lrscope <args>` as a child process: its exit code and output when done; kill() stops it with SIGINT. */
export function spawnCli(args: string[]): { done: Promise<{ code: number | null; out: string }>; kill: () => void } {
  const child = spawn(process.execPath, [path.resolve('scripts/lrscope.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { done: new Promise((resolve) => child.once('exit', (code) => resolve({ code, out }))), kill: () => child.kill('SIGINT') };
}

export interface WatchProc {
  child: ChildProcess;
  /** the dashboard's origin (http://host:port), without the token */
  url: string;
  /** the access token printed in the dashboard address (`?token=…`), or null when it is open */
  token: string | null;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `lrscope watch <args>` (or, with opts.command, `lrscope serve <args>`) until it prints its dashboard address. */
export async function startWatch(args: string[], opts: { timeoutMs?: number; env?: Record<string, string>; command?: 'watch' | 'serve' } = {}): Promise<WatchProc> {
  const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...opts.env };
  if (!opts.env?.LRSCOPE_TOKEN) delete env.LRSCOPE_TOKEN;
  const child = spawn(process.execPath, [path.resolve('scripts/lrscope.mjs'), opts.command ?? 'watch', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const printed = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`watch did not start in time:\n${out}`)), opts.timeoutMs ?? 60_000);
    const check = () => {
      const m = /Dashboard: (https?:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`watch exited with ${code}:\n${out}`));
    });
  });
  const address = new URL(printed);
  return {
    child,
    url: address.origin,
    token: address.searchParams.get('token'),
    output: () => out,
    stop: async (signal = 'SIGINT') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A tRPC client of the dashboard at `url`; with a token, every request carries it as a bearer header. */
export function trpcClient(url: string, token: string | null = null) {
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url: `${url}/api/trpc`,
          EventSource,
          eventSourceOptions: { fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...auth } }) },
        }),
        false: httpBatchLink({ url: `${url}/api/trpc`, headers: () => auth }),
      }),
    ],
  });
}

/** Polls `fn` until it returns a truthy value (or throws after timeoutMs). */
export async function until<T>(fn: () => Promise<T> | T, timeoutMs = 15_000, everyMs = 100): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
}
