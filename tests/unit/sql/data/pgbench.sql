-- What PostgreSQL receives from pgbench (PG 15): initialization, the checks before a run, and
-- the built-in scripts in simple mode (values in the text) and extended/prepared mode ($n).
-- Each entry starts at a line "-- name"; an entry is one message.
-- init_drop
drop table if exists pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers
-- init_create_history
create table pgbench_history(tid int,bid int,aid    int,delta int,mtime timestamp,filler char(22))
-- init_create_tellers
create table pgbench_tellers(tid int not null,bid int,tbalance int,filler char(84)) with (fillfactor=100)
-- init_create_accounts
create table pgbench_accounts(aid    int not null,bid int,abalance int,filler char(84)) with (fillfactor=100)
-- init_create_branches
create table pgbench_branches(bid int not null,bbalance int,filler char(88)) with (fillfactor=100)
-- init_begin
begin
-- init_truncate
truncate table pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers
-- init_branches
insert into pgbench_branches(bid,bbalance) values(1,0)
-- init_tellers
insert into pgbench_tellers(tid,bid,tbalance) values (1,1,0)
-- init_copy
copy pgbench_accounts from stdin with (freeze on)
-- init_server_side
insert into pgbench_accounts(aid,bid,abalance,filler) select aid, (aid - 1) / 100000 + 1, 0, '' from generate_series(1, 100000) as aid
-- init_commit
commit
-- init_vacuum
vacuum analyze pgbench_branches
-- init_primary_keys
alter table pgbench_branches add primary key (bid)
-- init_foreign_keys
alter table pgbench_tellers add constraint pgbench_tellers_bid_fkey foreign key (bid) references pgbench_branches
-- run_count
select count(*) from pgbench_branches
-- run_vacuum
vacuum pgbench_branches
-- run_truncate_history
truncate pgbench_history
-- tpcb_simple_begin
BEGIN;
-- tpcb_simple_update_accounts
UPDATE pgbench_accounts SET abalance = abalance + -2817 WHERE aid = 40321;
-- tpcb_simple_select
SELECT abalance FROM pgbench_accounts WHERE aid = 40321;
-- tpcb_simple_update_tellers
UPDATE pgbench_tellers SET tbalance = tbalance + -2817 WHERE tid = 7;
-- tpcb_simple_update_branches
UPDATE pgbench_branches SET bbalance = bbalance + -2817 WHERE bid = 1;
-- tpcb_simple_insert_history
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (7, 1, 40321, -2817, CURRENT_TIMESTAMP);
-- tpcb_simple_end
END;
-- tpcb_prepared_update_accounts
UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;
-- tpcb_prepared_select
SELECT abalance FROM pgbench_accounts WHERE aid = $1;
-- tpcb_prepared_update_tellers
UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2;
-- tpcb_prepared_update_branches
UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2;
-- tpcb_prepared_insert_history
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP);
-- select_only
SELECT abalance FROM pgbench_accounts WHERE aid = 81259;
