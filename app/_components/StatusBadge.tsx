export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`status status-${status}`} data-status={status} title={status}>
      {status === 'running' ? <span className="pulse" /> : null}
      {status}
    </span>
  );
}
