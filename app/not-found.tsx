import Link from 'next/link';

export const metadata = { title: 'not found · lrscope' };

export default function NotFound() {
  return (
    <div className="not-found" data-testid="not-found">
      <h1>Nothing here</h1>
      <p className="muted">This address is not a page of lrscope.</p>
      <p><Link href="/" data-testid="back-to-runs">← back to the runs list</Link></p>
    </div>
  );
}
