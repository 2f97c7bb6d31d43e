import { parseArgs, UsageError } from '../args';
import { openForRead, formatTable, type CliIO } from '../context';
import { listErrors } from '../../db/errors';

export const help = `Usage: lrscope errors [--db FILE] [--json]

Problems found while ingesting: the file, the byte offset or line, and the reason. The rest of each
run was still ingested.

  --json      print {"errors":[{id,runId,run,file,offset,line,reason,createdAt}]}
  --db FILE   database file (default: $LRSCOPE_DB or .lrscope/lrscope.db)`;

export function run(argv: string[], io: CliIO): number {
  const { flags, positionals } = parseArgs(argv, {
    db: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help) {
    io.out(help + '\n');
    return 0;
  }
  if (positionals.length) throw new UsageError(`errors takes no arguments (got '${positionals[0]}')`);
  const handle = openForRead(flags.db as string | undefined);
  try {
    const rows = listErrors(handle.sqlite);
    if (flags.json) {
      io.out(JSON.stringify({ errors: rows }, null, 2) + '\n');
      return 0;
    }
    if (!rows.length) {
      io.out('No ingest errors.\n');
      return 0;
    }
    io.out(
      formatTable(
        ['file', 'where', 'reason'],
        rows.map((r) => [r.file, r.line !== null ? `line ${r.line}` : r.offset !== null ? `byte ${r.offset}` : null, r.reason]),
      ),
    );
    return 0;
  } finally {
    handle.close();
  }
}
