'use client';
// The runs deleted from the dashboard (their folders stay on disk), each with Restore: restoring forgets
// the deletion, and the run is read again by the next `lrscope ingest` or watch's next rescan.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from './trpc';

export function DeletedRuns() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const deleted = useQuery(trpc.runs.deleted.queryOptions());
  const restore = useMutation(trpc.runs.restore.mutationOptions({ onSuccess: () => void qc.invalidateQueries({ queryKey: trpc.runs.pathKey() }) }));
  const list = deleted.data ?? [];
  if (!list.length) return null;
  return (
    <details className="deleted-runs" data-testid="deleted-runs">
      <summary>{list.length} deleted</summary>
      <div className="panel">
        <div className="muted">Deleted runs: their data is gone, their folders are untouched and not read again. Restore one and the next ingest (or watch&apos;s next rescan) reads it again.</div>
        <ul>
          {list.map((d) => (
            <li key={d.key}>
              <span title={d.path}>{d.name}</span>
              <button type="button" data-testid="restore-run" disabled={restore.isPending} onClick={() => restore.mutate({ key: d.key })}>restore</button>
            </li>
          ))}
        </ul>
      </div>
    </details>
  );
}
