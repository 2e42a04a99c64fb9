-- each branch's output URL in one column, keyed by branch id ({"hls-package": "https://..."}), so that a new branch
-- needs no new column. The four columns it replaces are no longer written; they stay for one release, so that pods
-- of the previous version still read their records during a rolling deploy, and go in a later migration.
alter table media add column output_urls text not null default '{}';
update media set output_urls = jsonb_strip_nulls(jsonb_build_object('hls-package', hls_url, 'poster-image', poster_url,
    'gif-preview', gif_url, 'audio-transcription', transcription_url))::text;
