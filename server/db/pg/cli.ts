// Opening a PostgreSQL database from the CLI: the server's refusal becomes one line (CliError).
import { CliError } from '../../cli/args';
import { openDb, type DbHandle } from '../open';
import { isPgUrl, redactUrl } from './open';

export { isPgUrl };

export function openPgForCli(url: string, readonly: boolean): DbHandle {
  try {
    return openDb(url, { readonly });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new CliError(`cannot use the PostgreSQL database ${redactUrl(url)}: ${msg}`);
  }
}
