-- live updates on PostgreSQL (server/db/pg/notify.ts): every statement that appends to the change log
-- notifies 'lrscope_changes' (delivered at commit, one per transaction), so open pages wake at once
-- instead of polling the log
CREATE OR REPLACE FUNCTION lrscope_changes_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('lrscope_changes', '');
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER changes_notify AFTER INSERT ON changes FOR EACH STATEMENT EXECUTE FUNCTION lrscope_changes_notify();
