-- media records: one per uploaded video (id = the client's mediaId)
create table media (
    id                varchar(128) primary key,
    status            varchar(16)  not null check (status in ('processing', 'ready', 'failed')),
    source_url        text         not null,
    hls_url           text,
    poster_url        text,
    gif_url           text,
    transcription_url text,
    failed_branch     varchar(32),
    error             text,
    created_at        timestamptz  not null default now(),
    updated_at        timestamptz  not null default now()
);

create index media_status_created_at on media (status, created_at desc);
create index media_created_at on media (created_at desc);

-- progress of each branch of a media record, written as it happens
create table media_branch (
    media_id       varchar(128) not null references media (id) on delete cascade,
    name           varchar(32)  not null,
    status         varchar(16)  not null check (status in ('running', 'retrying', 'completed', 'failed')),
    task_id        varchar(128),
    output_url     text,
    attempts       integer      not null default 0,
    error          text,
    -- bumped when a task ended failed, so the next attempt creates a new task (new Idempotency-Key)
    key_generation integer      not null default 0,
    updated_at     timestamptz  not null default now(),
    primary key (media_id, name)
);
