'use client';
// What the user says about a run, in the run page's header: an alias, tags and notes (editable), and
// archive / delete. Stored in SQLite through the runs.setMeta / setArchived / delete mutations; shown in
// the runs table, the comparison labels and `lrscope runs`. Delete removes the run's data (the folder on
// disk stays) and keeps ingest and watch from reading it again until it is restored from the runs table.
import { useState } from 'react';
import { useRouter } from 'next/navigation';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from './trpc';
import './runMeta.css';

/** "a, b ,,c" → ["a","b","c"] (de-duplicated) */
export function parseTagList(text: string): string[] {
  return [...new Set(text.split(',').map((t) => t.trim()).filter(Boolean))];
}

export default function RunMeta({ runId }: { runId: number }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const run = useQuery({ ...trpc.runs.get.queryOptions({ id: runId }), retry: false });
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState({ alias: '', tags: '', notes: '' });
  const [confirmDelete, setConfirmDelete] = useState(false);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.runs.pathKey() });
  const save = useMutation(trpc.runs.setMeta.mutationOptions({ onSuccess: () => { setEditing(false); void refresh(); } }));
  const archive = useMutation(trpc.runs.setArchived.mutationOptions({ onSuccess: () => void refresh() }));
  const del = useMutation(
    trpc.runs.delete.mutationOptions({
      onSuccess: () => {
        void refresh();
        router.push('/');
      },
    }),
  );
  const r = run.data;
  if (!r) return null;
  const error = save.error ?? archive.error ?? del.error;
  const busy = save.isPending || archive.isPending || del.isPending;

  const startEdit = () => {
    setDraft({ alias: r.alias ?? '', tags: r.userTags.join(', '), notes: r.notes ?? '' });
    setEditing(true);
  };

  return (
    <section className="run-meta" data-testid="run-meta">
      {editing ? (
        <form
          className="run-meta-form"
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate({ id: runId, alias: draft.alias, notes: draft.notes, tags: parseTagList(draft.tags) });
          }}
        >
          <label>
            <span>alias</span>
            <input data-testid="meta-alias" value={draft.alias} maxLength={100} placeholder="a short name, e.g. baseline" onChange={(e) => setDraft({ ...draft, alias: e.target.value })} />
          </label>
          <label>
            <span>tags</span>
            <input data-testid="meta-tags" value={draft.tags} placeholder="comma-separated, e.g. celeba, lr-sweep" onChange={(e) => setDraft({ ...draft, tags: e.target.value })} />
          </label>
          <label className="wide">
            <span>notes</span>
            <textarea data-testid="meta-notes" value={draft.notes} rows={3} maxLength={20000} onChange={(e) => setDraft({ ...draft, notes: e.target.value })} />
          </label>
          <div className="run-meta-actions">
            <button type="submit" className="button" data-testid="meta-save" disabled={busy}>Save</button>
            <button type="button" className="button secondary" onClick={() => setEditing(false)}>Cancel</button>
          </div>
        </form>
      ) : (
        <div className="run-meta-view">
          {r.alias ? <strong className="run-alias" data-testid="run-alias">{r.alias}</strong> : null}
          {r.userTags.map((t) => (
            <span key={t} className="user-tag" data-testid="run-tag">{t}</span>
          ))}
          {r.archivedAt ? <span className="user-tag archived" data-testid="run-archived">archived</span> : null}
          {r.notes ? <p className="run-notes" data-testid="run-notes">{r.notes}</p> : null}
          <span className="run-meta-actions">
            <button type="button" className="linklike" data-testid="meta-edit" onClick={startEdit}>
              {r.alias || r.notes || r.userTags.length ? 'edit alias, tags, notes' : 'add alias, tags, notes'}
            </button>
            <button type="button" className="linklike" data-testid="meta-archive" disabled={busy} onClick={() => archive.mutate({ id: runId, archived: !r.archivedAt })}>
              {r.archivedAt ? 'unarchive' : 'archive'}
            </button>
            {confirmDelete ? (
              <span className="run-delete-confirm">
                Delete this run&apos;s data from the database? The folder on disk stays and is not read again unless restored.{' '}
                <button type="button" className="button danger" data-testid="meta-delete-confirm" disabled={busy} onClick={() => del.mutate({ id: runId })}>Delete</button>{' '}
                <button type="button" className="button secondary" onClick={() => setConfirmDelete(false)}>Cancel</button>
              </span>
            ) : (
              <button type="button" className="linklike danger" data-testid="meta-delete" onClick={() => setConfirmDelete(true)}>delete…</button>
            )}
          </span>
        </div>
      )}
      {error ? <p className="error small">{error.message}</p> : null}
    </section>
  );
}
