-- Statements the agent-safe pack must send to REVIEW (not block, not allow). Same format as
-- dangerous.sql: "-- case: <rule>: <what it shows>".

-- case: schema-changes: CREATE TABLE
CREATE TABLE notes (id bigserial PRIMARY KEY, body text)
-- case: schema-changes: CREATE TEMP TABLE
CREATE TEMP TABLE scratch (a int)
-- case: schema-changes: ALTER TABLE ADD COLUMN
ALTER TABLE customers ADD COLUMN nickname text
-- case: schema-changes: ALTER TABLE DROP COLUMN
ALTER TABLE customers DROP COLUMN nickname
-- case: schema-changes: CREATE INDEX CONCURRENTLY
CREATE INDEX CONCURRENTLY customers_email ON customers (email)
-- case: schema-changes: DROP INDEX
DROP INDEX customers_email
-- case: schema-changes: CREATE VIEW
CREATE VIEW active_customers AS SELECT id, email FROM customers WHERE active
-- case: schema-changes: DROP VIEW
DROP VIEW active_customers
-- case: schema-changes: CREATE MATERIALIZED VIEW
CREATE MATERIALIZED VIEW totals AS SELECT count(*) FROM orders
-- case: schema-changes: CREATE TABLE AS
CREATE TABLE customers_copy AS SELECT * FROM customers
-- case: schema-changes: SELECT INTO creates a table
SELECT * INTO customers_copy FROM customers
-- case: schema-changes: CREATE SCHEMA
CREATE SCHEMA reporting
-- case: schema-changes: CREATE EXTENSION
CREATE EXTENSION IF NOT EXISTS pg_trgm
-- case: schema-changes: COMMENT ON
COMMENT ON TABLE customers IS 'people who buy'
-- case: schema-changes: ALTER TABLE RENAME
ALTER TABLE customers RENAME TO clients
-- case: schema-changes: CREATE SEQUENCE
CREATE SEQUENCE invoice_numbers
-- case: schema-changes: CREATE TYPE
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')
-- case: schema-changes: CREATE TRIGGER
CREATE TRIGGER t BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION touch()
-- case: schema-changes: DROP SEQUENCE
DROP SEQUENCE invoice_numbers
-- case: schema-changes: ALTER DATABASE SET
ALTER DATABASE app SET statement_timeout = '5s'
-- case: bulk-read-select-star: SELECT * without WHERE and LIMIT
SELECT * FROM customers
-- case: bulk-read-select-star: TABLE shorthand
TABLE customers
-- case: bulk-read-select-star: t.* with a join
SELECT c.* FROM customers c JOIN orders o ON o.customer_id = c.id
-- case: bulk-read-select-star: WHERE true is no filter
SELECT * FROM customers WHERE true
-- case: bulk-read-select-star: LIMIT ALL is no limit
SELECT * FROM customers LIMIT ALL
-- case: bulk-read-select-star: through a CTE
WITH c AS (SELECT * FROM customers) SELECT * FROM c
-- case: bulk-read-select-star: ORM all()
SELECT "customers".* FROM "customers"
-- case: bulk-read-select-star: EXECUTE of a prepared SELECT * (judged when it runs)
PREPARE everything AS SELECT * FROM customers; EXECUTE everything
-- case: bulk-read-select-star: EXPLAIN ANALYZE runs the query
EXPLAIN ANALYZE SELECT * FROM customers
-- case: bulk-copy-out: COPY table TO STDOUT
COPY customers TO STDOUT
-- case: bulk-copy-out: COPY (query) TO STDOUT CSV
COPY (SELECT id, email FROM customers) TO STDOUT WITH (FORMAT csv)
