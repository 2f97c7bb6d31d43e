import { loadCommands, main } from '../../server/cli/main';

// every command loaded up front: main() then starts a command without yielding to the event loop (tests
// rely on an in-process ingest running synchronously, e.g. while a demo job writes in the same process)
await loadCommands();

/** Runs the CLI in-process and captures its output. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}
