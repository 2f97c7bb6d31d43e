// The dashboard tests run against a production build; build it once when the sources changed.
// With LRSCOPE_TEST_DB=pg the suite runs on PostgreSQL: one throw-away cluster for the whole run, whose
// URL every test process gets ($LRSCOPE_TEST_PG_URL; tests/helpers/testDb.ts makes a database per test).
import path from 'node:path';
import { ensureBuild } from '../server/cli/dashboard';
import { pgBinDir, startPgCluster, type PgCluster } from './helpers/pgCluster';
import { onPg } from './helpers/testDb';

export default async function setup(): Promise<() => void> {
  process.env.LRSCOPE_ROOT ??= process.cwd();
  ensureBuild((s) => process.stdout.write(s));
  let pg: PgCluster | null = null;
  if (onPg()) {
    pg = await startPgCluster();
    process.env.LRSCOPE_TEST_PG_URL = pg.url;
    process.env.LRSCOPE_TEST_PG_PSQL = path.join(pgBinDir()!, 'psql');
    process.stdout.write(`LRSCOPE_TEST_DB=pg: PostgreSQL test cluster on port ${pg.port}\n`);
  }
  return () => pg?.stop();
}
