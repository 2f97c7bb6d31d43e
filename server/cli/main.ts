// `lrscope <command>`: dispatch, help, and the exit-code contract: every failure is one line on stderr and a
// non-zero exit (2 = unusable arguments, 1 = anything else); no stack traces (LRSCOPE_DEBUG=1 shows them).
import { CliError, UsageError } from './args';
import type { CliIO } from './context';
import { storageFault } from '../db/faults';

interface Command {
  help: string;
  run(argv: string[], io: CliIO): number | Promise<number>;
}

// Loaded on use: `lrscope --help` and a mistyped command load none of them.
const COMMANDS: Record<string, () => Promise<Command>> = {
  ingest: () => import('./commands/ingest'),
  runs: () => import('./commands/runs'),
  export: () => import('./commands/export'),
  errors: () => import('./commands/errors'),
  watch: () => import('./commands/watch'),
  serve: () => import('./commands/serve'),
  'export-db': () => import('./commands/exportDb'),
  agent: () => import('./commands/agent'),
  diagnose: () => import('./commands/diagnose'),
  demo: () => import('./commands/demo'),
};

const loaded = new Map<string, Command>();

/**
 * Loads every command now. Once loaded, main() runs a command without yielding to the event loop before
 * it starts (in-process callers, e.g. tests, that rely on a synchronous ingest).
 */
export async function loadCommands(): Promise<void> {
  for (const [name, load] of Object.entries(COMMANDS)) if (!loaded.has(name)) loaded.set(name, await load());
}

const USAGE = `lrscope — watch LaMa / PyTorch Lightning training runs and tune their learning-rate schedule

Usage: lrscope <command> [options]

Commands:
  ingest <path>...   read runs under the paths into the database, once
  watch <path>...    follow runs live and serve the dashboard
  serve              serve the dashboard on a database, watching nothing (a team's PostgreSQL)
  export-db          copy every run from one database to another (--from FILE|URL --to FILE|URL)
  agent <path>...    push runs to 'lrscope serve' over HTTP(S) from a node without database access
  runs               list runs
  export <run>       print a run's stored points (csv or json)
  errors             list problems found while ingesting
  diagnose <run|path>...  find LR-schedule problems and suggest the change
  demo [dir]         simulate a LaMa training job writing live (--scenario, --speed, --steps)

'lrscope <command> --help' tells more. Database: --db FILE, $LRSCOPE_DB, or .lrscope/lrscope.db.
`;

/** The one line an unexpected error becomes (its message, without the stack). */
function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const first = msg.split('\n').find((l) => l.trim()) ?? 'unexpected error';
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && !first.includes(code) ? `${first} (${code})` : first;
}

// (not context.ts's: importing it loads SQLite and drizzle, which --help does not need)
const stdio: CliIO = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

export async function main(argv: string[], io: CliIO = stdio): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    io.out('lrscope 0.1.0\n');
    return 0;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    const what = name.startsWith('-') ? `unknown option '${name}' (options go after the command)` : `unknown command '${name}'`;
    io.err(`lrscope: ${what}; commands: ${Object.keys(COMMANDS).join(', ')} (see 'lrscope --help')\n`);
    return 2;
  }
  try {
    let cmd = loaded.get(name);
    if (!cmd) loaded.set(name, (cmd = await load()));
    return await cmd.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`lrscope ${name}: ${err.message} (see 'lrscope ${name} --help')\n`);
      return 2;
    }
    if (err instanceof CliError) {
      io.err(`lrscope ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    // disk full, read-only or locked database: one line saying what to do, no stack
    const fault = storageFault(err);
    if (fault) {
      io.err(`lrscope ${name}: ${fault.message}\n`);
      return 1;
    }
    io.err(`lrscope ${name}: ${process.env.LRSCOPE_DEBUG ? ((err as Error)?.stack ?? String(err)) : oneLine(err)}\n`);
    return 1;
  }
}
