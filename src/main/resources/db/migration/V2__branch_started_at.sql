-- when a branch's first task was created: branch durations span every task and wait of the branch
alter table media_branch add column started_at timestamptz;
