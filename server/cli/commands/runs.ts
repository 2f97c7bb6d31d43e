import { parseArgs, UsageError } from '../args';
import { openStore, formatTable, fmtTime, type CliIO } from '../context';
import { listRunSummaries } from '../../db/runs';

export const help = `Usage: lrscope runs [--db FILE] [--json]

One row per run: id, name, path, kind, config name, status, generator and discriminator LR,
batch size, last step, number of points, tags, last update.

  --json      print {"runs":[{id,name,path,kind,configName,status,genLr,discLr,batchSize,lastStep,
              points,tags:[…],updatedAt}]} (updatedAt in ms since the epoch)
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
  if (positionals.length) throw new UsageError(`runs takes no arguments (got '${positionals[0]}')`);
  const { handle } = openStore(flags.db as string | undefined);
  try {
    const runs = listRunSummaries(handle.sqlite);
    if (flags.json) {
      const out = runs.map((r) => ({
        id: r.id,
        name: r.name,
        path: r.path,
        kind: r.kind,
        configName: r.configName,
        status: r.status,
        genLr: r.genLr,
        discLr: r.discLr,
        batchSize: r.batchSize,
        lastStep: r.lastStep,
        points: r.points,
        tags: r.tags,
        updatedAt: r.updatedAt,
      }));
      io.out(JSON.stringify({ runs: out }, null, 2) + '\n');
      return 0;
    }
    if (!runs.length) {
      io.out('No runs yet. Ingest some with: lrscope ingest <folder>\n');
      return 0;
    }
    io.out(
      formatTable(
        ['id', 'name', 'kind', 'config', 'status', 'lr_g', 'lr_d', 'bs', 'last step', 'points', 'tags', 'updated', 'path'],
        runs.map((r) => [
          r.id, r.name, r.kind, r.configName, r.status, r.genLr, r.discLr, r.batchSize, r.lastStep, r.points, r.tags.length,
          fmtTime(r.updatedAt), r.path,
        ]),
      ),
    );
    return 0;
  } finally {
    handle.close();
  }
}
