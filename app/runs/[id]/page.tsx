import { Suspense } from 'react';
import RunView from './RunView';

export const dynamic = 'force-dynamic';

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <RunView id={Number(id)} />
    </Suspense>
  );
}
