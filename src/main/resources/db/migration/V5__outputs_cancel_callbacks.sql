-- a record may be cancelled (DELETE /media/{id})
alter table media drop constraint media_status_check;
alter table media add constraint media_status_check
    check (status in ('processing', 'ready', 'failed', 'cancelled'));

-- per-upload outputs: the branches an upload runs and their options, as JSON ({"<branch>": {option: value}});
-- null for records written before this migration, which ran every branch with the defaults of their time
alter table media add column outputs text;
-- where the uploading app wants its callbacks (null: the configured default, if any)
alter table media add column callback_url text;

-- one row per callback delivered (a 2xx from the receiver): a delivery is never sent again once it is here,
-- whichever replica or retry tries it
create table callback_delivery (
    id           varchar(200) primary key,
    media_id     varchar(128) not null,
    kind         varchar(32)  not null,
    status_code  int          not null,
    delivered_at timestamptz  not null default now()
);
create index callback_delivery_media_id on callback_delivery (media_id);
