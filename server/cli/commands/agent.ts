// `lrscope agent <path>... --server URL --token T`: for training nodes without database access. Reads the
// runs under the paths like `lrscope ingest` (the same discovery, readers and decode worker) and hands
// every store call to `lrscope serve` over HTTP(S) (agent/remoteStore.ts), again and again: new runs,
// files and bytes are pushed as they appear. Stateless: where each file goes on is the server's offset.
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { parseArgs, UsageError } from '../args';
import type { CliIO } from '../context';
import type { Store } from '../../db/store';
import { ingestPaths } from '../../ingest/ingest';
import { storageFault } from '../../db/faults';
import { AgentRefusedError, RemoteStore } from '../../agent/remoteStore';

export const help = `Usage: lrscope agent <path>... --server URL [--token T] [--poll MS] [--once]

For a training node without access to the database: reads the runs under the paths (as 'lrscope
ingest' does) and pushes what they gain to 'lrscope serve' over HTTP(S), every --poll ms, until stopped.
The server writes it (as this machine's files: a file is (host, path)) and keeps the offsets: an agent
or server stopped or killed at any moment loses nothing and stores nothing twice; a restarted agent
goes on where the server's offsets say. While the server cannot be reached the agent waits and retries.

  --server URL   the address 'lrscope serve' prints (http://host:port, or https:// behind a proxy)
  --token T      the server's access token (default: $LRSCOPE_TOKEN); serve must have one (--token)
  --poll MS      look for new data every MS ms (default 1000)
  --once         one pass, then exit (0 when everything was pushed)
Host name sent: $LRSCOPE_SOURCE_HOST, else this machine's name.`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { flags, positionals } = parseArgs(argv, {
    server: { type: 'string' },
    token: { type: 'string' },
    poll: { type: 'string' },
    once: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help) {
    io.out(help + '\n');
    return 0;
  }
  if (!positionals.length) throw new UsageError('agent needs at least one path');
  const server = flags.server as string | undefined;
  if (!server || !/^https?:\/\/[^/]+/i.test(server)) throw new UsageError('agent needs --server http(s)://host:port (the address lrscope serve prints)');
  const token = (flags.token as string | undefined) ?? (process.env.LRSCOPE_TOKEN || null);
  const pollMs = flags.poll === undefined ? 1000 : Number(flags.poll);
  if (!Number.isFinite(pollMs) || pollMs < 50) throw new UsageError(`--poll must be at least 50 ms (got '${flags.poll}')`);
  for (const p of positionals) if (!fs.existsSync(p)) throw new UsageError(`no such folder: ${p}`);
  const paths = positionals.map((p) => path.resolve(p));
  const host = process.env.LRSCOPE_SOURCE_HOST || os.hostname();
  const origin = new URL(server).origin;
  const remote = new RemoteStore(origin, token, host);
  const store = remote as unknown as Store; // the ingest code calls only what RemoteStore has (Pick<Store, AgentOp>)
  io.out(`Agent for ${paths.join(', ')} as host ${host} → ${origin}\n`);
  let failing: string | null = null;
  let delay = pollMs;
  for (;;) {
    try {
      const s = ingestPaths(store, paths);
      if (failing) io.err(`lrscope agent: the server takes data again.\n`);
      failing = null;
      delay = pollMs;
      if (s.points || s.changedFiles) io.out(`pushed ${s.points} points from ${s.changedFiles} changed file${s.changedFiles === 1 ? '' : 's'} of ${s.runs.length} run${s.runs.length === 1 ? '' : 's'}\n`);
      if (flags.once) {
        remote.close();
        return 0;
      }
    } catch (err) {
      if (err instanceof AgentRefusedError) {
        remote.close();
        throw err; // wrong token, a server that is not lrscope's: waiting does not fix it
      }
      const msg = storageFault(err) || (err as { name?: string }).name === 'AgentLinkError' ? (err as Error).message : `unexpected: ${(err as Error).message}`;
      if (flags.once) io.err(`lrscope agent: ${msg} (nothing was lost: a later run goes on from the server's offsets)\n`);
      else if (msg !== failing) io.err(`lrscope agent: ${msg}; retrying (nothing is lost: the server's offsets say where to go on)\n`);
      failing = msg;
      delay = Math.min(30_000, Math.max(pollMs, delay * 2));
      if (flags.once) {
        remote.close();
        return 1;
      }
    }
    await sleep(delay);
  }
}
