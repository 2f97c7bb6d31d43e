'use client';
// Starts a query's request during render, before the commit. A chart component builds its chart.js
// instance in an effect, and children's effects run before their parent's, where useQuery subscribes
// and fetches: on a run page the dozen chart set-ups delayed the data request by ~130 ms. Started in
// render, the request is on the wire while the charts are being built (react-query's usePrefetchQuery
// does the same; this one also honours `enabled`). Pass the options given to the useQuery that follows,
// built with EARLY so the request is not held back to join the page's batch (see Providers.tsx).
import { useQueryClient, type FetchQueryOptions, type QueryKey } from '@tanstack/react-query';

/** queryOptions(input, EARLY): this request goes alone (httpLink), not in the batch */
export const EARLY = { trpc: { context: { skipBatch: true } } } as const;

export function useStartEarly<TData, TError, TKey extends QueryKey>(options: FetchQueryOptions<TData, TError, TData, TKey> & { enabled?: unknown }): void {
  const client = useQueryClient();
  if (options.enabled !== false && !client.getQueryState(options.queryKey)) void client.prefetchQuery(options);
}
