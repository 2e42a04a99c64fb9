-- the cap on uploads in progress per owner (MEDIA_API_MAX_IN_PROGRESS_PER_OWNER) counts an owner's records in
-- processing at every upload and reprocess: from this small partial index (only records in progress), with the id
-- so that the count, which leaves out the record being admitted, is an index-only scan
create index media_owner_processing on media (owner, id) where status = 'processing';
