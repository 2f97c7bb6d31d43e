// The API's writer: one Store per database handle (a server process has one handle, db/shared.ts), so
// the dashboard's few writes — notes, tags, alias, archive, delete, restore — go through the same one
// writer as ingest (IMMEDIATE transactions, data_version checks).
import type { DbHandle } from '../db/open';
import { Store } from '../db/store';

const STORES = new WeakMap<DbHandle, Store>();

export function storeFor(handle: DbHandle): Store {
  let s = STORES.get(handle);
  if (!s) STORES.set(handle, (s = new Store(handle)));
  return s;
}
