import { Suspense } from 'react';
import RunsTable from './_components/RunsTable';

export const dynamic = 'force-dynamic';

export default function RunsPage() {
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <RunsTable />
    </Suspense>
  );
}
