-- how many times the record was reprocessed on purpose (POST /media/{id}/reprocess): part of its event id and of
-- its Ittybit task keys, so a reprocess is a new run with new tasks
alter table media add column round integer not null default 0;
