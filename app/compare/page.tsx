import { Suspense } from 'react';
import CompareView from './CompareView';

export const dynamic = 'force-dynamic';

export default function ComparePage() {
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <CompareView />
    </Suspense>
  );
}
