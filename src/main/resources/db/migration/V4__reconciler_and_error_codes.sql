-- the reconciler (MediaReconciler) re-sends the video/uploaded event of a record whose event Inngest never
-- accepted, and marks a record failed ("abandoned") once its round is older than media.reconciler.max-age
alter table media add column round_started_at timestamptz not null default now();
alter table media add column event_attempted_at timestamptz not null default now();
alter table media add column event_sent_at timestamptz;
-- records written before this migration: their events were sent (or will never be re-sent: the reconciler only
-- re-sends within Inngest's 24 h event-id window, which has passed or is about to for most of them)
update media set round_started_at = updated_at, event_attempted_at = updated_at, event_sent_at = updated_at;
create index media_processing_round_started_at on media (round_started_at) where status = 'processing';

-- a stable code for the error a record or branch shows (the detailed text stays in the error column and the logs)
alter table media add column error_code varchar(32);
alter table media_branch add column error_code varchar(32);
update media set error_code = 'run_failed' where error is not null;
update media_branch set error_code = 'run_failed' where error is not null;
