-- live progress: the changes of one record are numbered in the order they commit. V9 numbered a change when its
-- statement ran, and left the order of commits to whatever locks the statements took: were a record marked failed
-- (or cancelled) by one transaction while a branch's change of another committed around it, the record could reach
-- its final state at a number a stream had already sent, and the stream end without it (or without the branch's
-- change). Now a branch's change first takes its record's row lock, as a change of the record's row itself holds it,
-- so the changes of one record follow one another and each commits with a number above every one committed before it
-- (LiveProgressTests holds it). Lock order: a record's row, then its branch's: every transaction that writes a
-- branch takes its record's row first (BranchRepository), so this lock is then its own already (an upsert's trigger
-- runs before the branch's row is taken, an update's after); a record's own changes touch no branch row. The branches
-- of one record wait for each other for one statement's transaction.
create function media_branch_change_version() returns trigger language plpgsql as $$
begin
    perform 1 from media where id = new.media_id for no key update;
    new.version := nextval('media_change_seq');
    return new;
end
$$;

drop trigger media_branch_version on media_branch;
create trigger media_branch_version before insert or update on media_branch
    for each row execute function media_branch_change_version();

-- and a record's row changes only when what the API shows of it does: the bookkeeping of its event (sent, tried, a
-- failure event due) is not shown, so updating it alone takes no number and tells no replica (each was a message
-- with the same data under a new id, and a read per watching pod)
drop trigger media_version on media;
drop trigger media_changed on media;
create trigger media_version_insert before insert on media
    for each row execute function media_change_version();
create trigger media_version before update on media
    for each row when ((to_jsonb(new) - 'event_sent_at' - 'event_attempted_at' - 'failed_event_due' - 'version')
        is distinct from (to_jsonb(old) - 'event_sent_at' - 'event_attempted_at' - 'failed_event_due' - 'version'))
    execute function media_change_version();
create trigger media_changed_insert after insert on media
    for each row execute function media_change_notify();
create trigger media_changed after update on media
    for each row when (new.version is distinct from old.version)
    execute function media_change_notify();
