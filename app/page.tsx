import { Suspense } from 'react';
import RunsTable, { type FirstPage } from './_components/RunsTable';
import { PAGE, listFilters, readRunsView } from './_components/runsView';
import { appRouter } from '@/server/api/root';
import { createContext } from '@/server/api/trpc';

export const dynamic = 'force-dynamic';

type SearchParams = Record<string, string | string[] | undefined>;

/** The runs table; its first page is answered here (runs.list, a few ms) so the rows come with the HTML. */
export default async function RunsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const view = readRunsView((k) => {
    const v = sp[k];
    return Array.isArray(v) ? v[0] : v;
  });
  const filters = listFilters(view);
  let initial: FirstPage | undefined;
  try {
    initial = { view: JSON.stringify(filters), data: await appRouter.createCaller(createContext()).runs.list({ ...filters, offset: 0, limit: PAGE }) };
  } catch (err) {
    console.error(`runs page: the first page was not rendered on the server: ${(err as Error).message}`);
    initial = undefined; // the table asks again from the browser
  }
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <RunsTable initial={initial} />
    </Suspense>
  );
}
