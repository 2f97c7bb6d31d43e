import { parseArgs, UsageError } from '../args';
import { openForRead, formatTable, fmtTime, type CliIO } from '../context';
import { listRuns, tagsOfRuns, RUN_SORTS, type RunListQuery, type RunSort } from '../../db/runList';
import { RUN_STATUSES, type RunStatus } from '../../db/schema';

export const help = `Usage: lrscope runs [--db FILE] [--json] [--filter TEXT] [--status S,…] [--sort COLUMN[:asc|desc]] [--limit N]

One row per run: id, name, the alias and tags given in the dashboard, kind, config name, status
(archived runs say so), generator and discriminator LR, batch size, last step, number of points, metric
tags, last update, host, path. Oldest first unless --sort says otherwise. The host is the machine the
run's files were read from on a team database (PostgreSQL: runs of the same name on two hosts are two
runs), else the one its event files name.

  --json            print {"runs":[{id,name,path,kind,configName,status,genLr,discLr,batchSize,lastStep,
                    points,tags:[…],updatedAt,alias,userTags:[…],notes,archived,host}]} (updatedAt in ms since the epoch)
  --filter TEXT     runs whose name, path, config name, alias, tags or notes contain TEXT
  --status S,…      only these statuses (${RUN_STATUSES.join(', ')})
  --sort COL[:DIR]  ${RUN_SORTS.join(', ')}; DIR asc (default) or desc
  --limit N         at most N runs
  --db FILE         database file (default: $LRSCOPE_DB or .lrscope/lrscope.db)`;

function query(flags: Record<string, unknown>): RunListQuery {
  const q: RunListQuery = { sort: { by: 'startedAt', dir: 'asc' } };
  if (typeof flags.filter === 'string') q.q = flags.filter;
  if (typeof flags.status === 'string') {
    const want = flags.status.split(',').filter(Boolean);
    const bad = want.find((x) => !(RUN_STATUSES as readonly string[]).includes(x));
    if (bad) throw new UsageError(`unknown status '${bad}' (one of ${RUN_STATUSES.join(', ')})`);
    q.status = want as RunStatus[];
  }
  if (typeof flags.sort === 'string') {
    const [by, dir = 'asc'] = flags.sort.split(':');
    if (!(RUN_SORTS as readonly string[]).includes(by)) throw new UsageError(`cannot sort by '${by}' (one of ${RUN_SORTS.join(', ')})`);
    if (dir !== 'asc' && dir !== 'desc') throw new UsageError(`sort direction '${dir}' is not asc or desc`);
    q.sort = { by: by as RunSort, dir };
  }
  if (typeof flags.limit === 'string') {
    if (!/^\d+$/.test(flags.limit) || Number(flags.limit) < 1) throw new UsageError(`--limit needs a positive whole number (got '${flags.limit}')`);
    q.limit = Number(flags.limit);
  }
  return q;
}

export function run(argv: string[], io: CliIO): number {
  const { flags, positionals } = parseArgs(argv, {
    db: { type: 'string' },
    json: { type: 'boolean' },
    filter: { type: 'string' },
    status: { type: 'string' },
    sort: { type: 'string' },
    limit: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help) {
    io.out(help + '\n');
    return 0;
  }
  if (positionals.length) throw new UsageError(`runs takes no arguments (got '${positionals[0]}')`);
  const q = query(flags);
  const handle = openForRead(flags.db as string | undefined);
  try {
    // archived runs too (the dashboard hides them by default): their status says so
    const runs = listRuns(handle.db, { ...q, archived: 'include' }).rows;
    if (flags.json) {
      const tags = tagsOfRuns(handle.db, runs.map((r) => r.id));
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
        tags: tags.get(r.id) ?? [],
        updatedAt: r.updatedAt,
        alias: r.alias,
        userTags: r.userTags,
        notes: r.notes,
        archived: r.archivedAt !== null,
        host: r.host,
      }));
      io.out(JSON.stringify({ runs: out }, null, 2) + '\n');
      return 0;
    }
    if (!runs.length) {
      if (q.q || q.status) {
        io.out('No runs match.\n');
        return 0;
      }
      io.out('No runs yet. Ingest some with: lrscope ingest <folder>\n');
      return 0;
    }
    io.out(
      formatTable(
        ['id', 'name', 'alias', 'user tags', 'kind', 'config', 'status', 'lr_g', 'lr_d', 'bs', 'last step', 'points', 'tags', 'updated', 'host', 'path'],
        runs.map((r) => [
          r.id, r.name, r.alias, r.userTags.join(','), r.kind, r.configName, r.archivedAt !== null ? `${r.status} (archived)` : r.status,
          r.genLr, r.discLr, r.batchSize, r.lastStep, r.points, r.nTags, fmtTime(r.updatedAt), r.host, r.path,
        ]),
      ),
    );
    return 0;
  } finally {
    handle.close();
  }
}
