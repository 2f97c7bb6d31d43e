import { listRunSummaries } from '@/server/db/runs';
import { getDb } from '@/server/db/shared';

export const dynamic = 'force-dynamic';

export default function RunsPage() {
  const runs = listRunSummaries(getDb().sqlite);
  if (!runs.length) {
    return (
      <div className="empty" data-testid="empty">
        <h2>No runs yet</h2>
        <p>
          Point lrscope at a LaMa <code>experiments/</code> folder, a run folder or a whole project:{' '}
          <code>lrscope watch ~/inpainting-lama</code> (or <code>lrscope ingest &lt;folder&gt;</code> once).
        </p>
      </div>
    );
  }
  return (
    <table data-testid="runs">
      <thead>
        <tr>
          <th>status</th><th>name</th><th>config</th><th>lr G / D</th><th>batch</th><th>last step</th><th>points</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.id}>
            <td>{r.status}</td>
            <td>{r.name}</td>
            <td>{r.configName ?? '—'}</td>
            <td>{r.genLr ?? '—'} / {r.discLr ?? '—'}</td>
            <td>{r.batchSize ?? '—'}</td>
            <td>{r.lastStep ?? '—'}</td>
            <td>{r.points}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
