-- live progress (GET /media/{id}/events): every change of a record or one of its branches takes the next number of
-- one sequence (the record's version is the largest of its row's and its branches'), and tells every replica after
-- commit: NOTIFY media_changes with the record's id (PostgreSQL delivers it once the transaction commits, and folds
-- the notices of one transaction with the same id into one)
create sequence media_change_seq;
alter table media add column version bigint not null default 0;
alter table media_branch add column version bigint not null default 0;

create function media_change_version() returns trigger language plpgsql as $$
begin
    new.version := nextval('media_change_seq');
    return new;
end
$$;

create function media_change_notify() returns trigger language plpgsql as $$
begin
    perform pg_notify('media_changes', new.id);
    return null;
end
$$;

create function media_branch_change_notify() returns trigger language plpgsql as $$
begin
    perform pg_notify('media_changes', new.media_id);
    return null;
end
$$;

create trigger media_version before insert or update on media
    for each row execute function media_change_version();
create trigger media_branch_version before insert or update on media_branch
    for each row execute function media_change_version();
create trigger media_changed after insert or update on media
    for each row execute function media_change_notify();
create trigger media_branch_changed after insert or update on media_branch
    for each row execute function media_branch_change_notify();
