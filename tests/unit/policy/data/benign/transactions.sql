-- Transaction control, session setup and other statements drivers and poolers send. The
-- agent-safe pack must allow every case. Format: "-- case: <what>".

-- case: BEGIN
BEGIN
-- case: BEGIN with isolation level
BEGIN ISOLATION LEVEL REPEATABLE READ
-- case: START TRANSACTION READ ONLY
START TRANSACTION READ ONLY
-- case: BEGIN; SET TRANSACTION
BEGIN; SET TRANSACTION ISOLATION LEVEL SERIALIZABLE
-- case: COMMIT
COMMIT
-- case: END
END
-- case: ROLLBACK
ROLLBACK
-- case: ABORT
ABORT
-- case: SAVEPOINT
SAVEPOINT sp1
-- case: RELEASE SAVEPOINT
RELEASE SAVEPOINT sp1
-- case: ROLLBACK TO SAVEPOINT
ROLLBACK TO SAVEPOINT sp1
-- case: psycopg-style nested savepoints in one message
SAVEPOINT "_pg3_1"; INSERT INTO t (a) VALUES (1); RELEASE SAVEPOINT "_pg3_1"
-- case: a whole transaction in one message
BEGIN; UPDATE accounts SET balance = balance - 100 WHERE id = 1; UPDATE accounts SET balance = balance + 100 WHERE id = 2; COMMIT;
-- case: SET SESSION CHARACTERISTICS
SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED
-- case: SET CONSTRAINTS
SET CONSTRAINTS ALL DEFERRED
-- case: PREPARE TRANSACTION
PREPARE TRANSACTION 'tx-42'
-- case: COMMIT PREPARED
COMMIT PREPARED 'tx-42'
-- case: SET application_name
SET application_name = 'billing-agent'
-- case: SET TIME ZONE
SET TIME ZONE 'UTC'
-- case: SET statement_timeout
SET statement_timeout = '30s'
-- case: SET LOCAL lock_timeout
SET LOCAL lock_timeout = '2s'
-- case: SET extra_float_digits (JDBC)
SET extra_float_digits = 3
-- case: SET DateStyle (psycopg)
SET DateStyle TO 'ISO'
-- case: SHOW transaction_isolation
SHOW transaction_isolation
-- case: SHOW role (reading is fine)
SHOW role
-- case: SHOW ALL
SHOW ALL
-- case: RESET statement_timeout
RESET statement_timeout
-- case: RESET ALL (poolers)
RESET ALL
-- case: DISCARD ALL (PgBouncer server_reset_query)
DISCARD ALL
-- case: DEALLOCATE ALL
DEALLOCATE ALL
-- case: SQL-level PREPARE / EXECUTE / DEALLOCATE of a harmless statement
PREPARE get_user (int) AS SELECT id, email FROM users WHERE id = $1; EXECUTE get_user (1); DEALLOCATE get_user
-- case: PREPARE of a filtered UPDATE
PREPARE bump (int) AS UPDATE counters SET n = n + 1 WHERE id = $1
-- case: DECLARE / FETCH / CLOSE a cursor
BEGIN; DECLARE c CURSOR FOR SELECT id FROM events WHERE created > now() - interval '1 day'; FETCH 100 FROM c; CLOSE c; COMMIT
-- case: LISTEN
LISTEN job_events
-- case: NOTIFY
NOTIFY job_events, 'ready'
-- case: pg_notify
SELECT pg_notify('job_events', 'ready')
-- case: UNLISTEN
UNLISTEN *
-- case: advisory lock
SELECT pg_advisory_xact_lock(42)
-- case: LOCK TABLE in a transaction
BEGIN; LOCK TABLE counters IN SHARE ROW EXCLUSIVE MODE; COMMIT
-- case: VACUUM ANALYZE a table
VACUUM ANALYZE events
-- case: ANALYZE
ANALYZE events
-- case: plain EXPLAIN of SELECT * (nothing runs)
EXPLAIN SELECT * FROM events
-- case: EXPLAIN ANALYZE of a filtered query
EXPLAIN (ANALYZE, BUFFERS) SELECT id FROM events WHERE id = 42
-- case: empty query
;
-- case: only a comment
-- nothing to see here
-- case: current_setting reads a setting
SELECT current_setting('search_path')
-- case: pg_sleep (a client may wait)
SELECT pg_sleep(0.1)
