-- schema of media-fanout; the media tables arrive with the pipeline
select 1;
