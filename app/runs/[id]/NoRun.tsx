// What /runs/<id> says when the id is not a number or names no run (a file of its own: the 404 page
// loads no chart code).
import Link from 'next/link';

/** A run that is not there (deleted since, or never was). */
export function NoRun({ id, why }: { id: string; why?: string }) {
  const bad = !/^\d{1,15}$/.test(id);
  return (
    <div className="not-found" data-testid="not-found">
      <h1>{bad ? `${id} is not a run id` : `no run ${id}`}</h1>
      <p className="muted">{bad ? 'Run pages are /runs/<number>; the runs list links to each.' : why && !/^no run/.test(why) ? why : 'It may have been deleted, or the database is another one.'}</p>
      <p><Link href="/" data-testid="back-to-runs">← back to the runs list</Link></p>
    </div>
  );
}
