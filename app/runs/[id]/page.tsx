import { Suspense } from 'react';
import { notFound } from 'next/navigation';
import { TRPCError } from '@trpc/server';
import RunView, { type RunInitial } from './RunView';
import { appRouter } from '@/server/api/root';
import { createContext } from '@/server/api/trpc';

export const dynamic = 'force-dynamic';

/**
 * A run page. The run and its tag list are answered here (a few ms from SQLite), so the header and the
 * chart groups come with the HTML; an id that is not a number, or names no run, is a 404 page at once
 * (not-found.tsx beside this file says which).
 */
export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!/^\d{1,15}$/.test(id)) notFound();
  const runId = Number(id);
  let initial: RunInitial | undefined;
  try {
    const api = appRouter.createCaller(createContext());
    const [run, tags] = await Promise.all([api.runs.get({ id: runId }), api.runs.tags({ runId })]);
    initial = { run, tags };
  } catch (err) {
    if (err instanceof TRPCError && (err.code === 'NOT_FOUND' || err.code === 'BAD_REQUEST')) notFound();
    console.error(`run page ${runId}: not rendered on the server: ${(err as Error).message}`);
    initial = undefined; // the page asks again from the browser
  }
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <RunView id={runId} initial={initial} />
    </Suspense>
  );
}
