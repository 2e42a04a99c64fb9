-- who a record belongs to: the API key's name or the access token's owner claim (MEDIA_API_OWNER_CLAIM) of the
-- request that uploaded it. Null for records stored before owners existed and for records made by a video/uploaded
-- event sent straight to Inngest: only media:admin callers see and act on those (give them an owner with
-- "update media set owner = '<key name>' where owner is null").
alter table media add column owner varchar(256);
create index media_owner_created_at on media (owner, created_at desc);

-- Idempotency-Key of POST /media and POST /media/{id}/reprocess: per caller, for 24 hours, the record a key made
-- and a fingerprint of the request it came with; status_code is the answer once one was given (null: the first
-- request with this key did not finish, and a repeat does what it would have done)
create table idempotency_key (
    owner       varchar(256) not null,
    key         varchar(255) not null,
    fingerprint varchar(64)  not null,
    media_id    varchar(128) not null,
    status_code int,
    created_at  timestamptz  not null default now(),
    primary key (owner, key)
);
create index idempotency_key_created_at on idempotency_key (created_at);

-- a delivery is claimed (a lease, leased_until) before it is sent, so two replicas or retries never send it at
-- once; delivered_at is set once a receiver answered 2xx. Rows written before this migration were all delivered.
alter table callback_delivery alter column status_code drop not null;
alter table callback_delivery alter column delivered_at drop not null;
alter table callback_delivery alter column delivered_at drop default;
alter table callback_delivery add column leased_until timestamptz;
alter table callback_delivery add column attempts integer not null default 1;

-- a record marked failed by the reconciler (abandoned) owes a media/failed event until Inngest accepted it
alter table media add column failed_event_due boolean not null default false;
create index media_failed_event_due on media (updated_at) where failed_event_due;
