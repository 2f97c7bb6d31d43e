// One database handle per server process (the Next.js server and the API share it).
import { openDb, type DbHandle } from './open';
import { resolveDbPath } from '../paths';

const g = globalThis as unknown as { __lrscopeDb?: DbHandle };

export function getDb(): DbHandle {
  g.__lrscopeDb ??= openDb(resolveDbPath());
  return g.__lrscopeDb;
}
