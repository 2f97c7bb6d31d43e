// `lrscope <command>`: dispatch, help, and the exit-code contract (2 = unusable arguments).
import { UsageError } from './args';
import { stdio, type CliIO } from './context';
import { storageFault } from '../db/faults';
import * as ingest from './commands/ingest';
import * as runs from './commands/runs';
import * as exportCmd from './commands/export';
import * as errors from './commands/errors';
import * as demo from './commands/demo';
import * as watch from './commands/watch';
import * as diagnose from './commands/diagnose';

interface Command {
  help: string;
  run(argv: string[], io: CliIO): number | Promise<number>;
}

const COMMANDS: Record<string, Command> = { ingest, runs, export: exportCmd, errors, watch, diagnose, demo };

const USAGE = `lrscope — watch LaMa / PyTorch Lightning training runs and tune their learning-rate schedule

Usage: lrscope <command> [options]

Commands:
  ingest <path>...   read runs under the paths into the database, once
  watch <path>...    follow runs live and serve the dashboard
  runs               list runs
  export <run>       print a run's stored points (csv or json)
  errors             list problems found while ingesting
  diagnose <run|path>...  find LR-schedule problems and suggest the change
  demo [dir]         simulate a LaMa training job writing live (--scenario, --speed, --steps)

'lrscope <command> --help' tells more. Database: --db FILE, $LRSCOPE_DB, or .lrscope/lrscope.db.
`;

export async function main(argv: string[], io: CliIO = stdio): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.err(`lrscope: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  try {
    return await cmd.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`lrscope ${name}: ${err.message}\n(see 'lrscope ${name} --help')\n`);
      return 2;
    }
    // disk full, read-only or locked database: one line saying what to do, no stack
    const fault = storageFault(err);
    if (fault) {
      io.err(`lrscope ${name}: ${fault.message}\n`);
      return 1;
    }
    throw err;
  }
}
