-- What ORMs send (Django, SQLAlchemy, Rails, Hibernate, Prisma, Sequelize, GORM), with
-- parameters as $n. The agent-safe pack must allow every case. Format: "-- case: <what>".

-- case: Django get by primary key
SELECT "auth_user"."id", "auth_user"."password", "auth_user"."last_login", "auth_user"."is_superuser", "auth_user"."username", "auth_user"."email" FROM "auth_user" WHERE "auth_user"."id" = $1 LIMIT 21
-- case: Django filter with ordering and slicing
SELECT "shop_order"."id", "shop_order"."total", "shop_order"."created" FROM "shop_order" WHERE ("shop_order"."customer_id" = $1 AND "shop_order"."created" >= $2) ORDER BY "shop_order"."created" DESC LIMIT 20 OFFSET 40
-- case: Django exists()
SELECT 1 AS "a" FROM "auth_user" WHERE "auth_user"."email" = $1 LIMIT 1
-- case: Django count()
SELECT COUNT(*) AS "__count" FROM "shop_order" WHERE "shop_order"."status" = $1
-- case: Django insert returning
INSERT INTO "shop_order" ("customer_id", "total", "status", "created") VALUES ($1, $2, $3, $4) RETURNING "shop_order"."id"
-- case: Django bulk_create
INSERT INTO "shop_item" ("order_id", "sku", "qty") VALUES ($1, $2, $3), ($4, $5, $6), ($7, $8, $9) RETURNING "shop_item"."id"
-- case: Django save()
UPDATE "shop_order" SET "total" = $1, "status" = $2 WHERE "shop_order"."id" = $3
-- case: Django delete()
DELETE FROM "shop_item" WHERE "shop_item"."id" IN ($1, $2, $3)
-- case: Django select_related join
SELECT "shop_order"."id", "shop_order"."total", "auth_user"."id", "auth_user"."email" FROM "shop_order" INNER JOIN "auth_user" ON ("shop_order"."customer_id" = "auth_user"."id") WHERE "shop_order"."id" = $1 LIMIT 21
-- case: Django session lookup
SELECT "django_session"."session_key", "django_session"."session_data", "django_session"."expire_date" FROM "django_session" WHERE ("django_session"."expire_date" > $1 AND "django_session"."session_key" = $2) LIMIT 21
-- case: Django migrations recorder (reads the applied list)
SELECT "django_migrations"."id", "django_migrations"."app", "django_migrations"."name", "django_migrations"."applied" FROM "django_migrations"
-- case: SQLAlchemy get
SELECT users.id AS users_id, users.name AS users_name, users.fullname AS users_fullname FROM users WHERE users.id = $1::INTEGER
-- case: SQLAlchemy insert returning
INSERT INTO users (name, fullname) VALUES ($1::VARCHAR, $2::VARCHAR) RETURNING users.id
-- case: SQLAlchemy update
UPDATE users SET fullname=$1::VARCHAR WHERE users.id = $2::INTEGER
-- case: SQLAlchemy delete
DELETE FROM addresses WHERE addresses.id = $1::INTEGER
-- case: SQLAlchemy has_table
SELECT pg_catalog.pg_class.relname FROM pg_catalog.pg_class JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace WHERE pg_catalog.pg_class.relname = $1::VARCHAR AND pg_catalog.pg_class.relkind = ANY (ARRAY[$2::VARCHAR, $3::VARCHAR, $4::VARCHAR, $5::VARCHAR, $6::VARCHAR]) AND pg_catalog.pg_table_is_visible(pg_catalog.pg_class.oid) AND pg_catalog.pg_namespace.nspname != $7::VARCHAR
-- case: SQLAlchemy dialect init
select pg_catalog.version()
-- case: SQLAlchemy current schema
select current_schema()
-- case: SQLAlchemy standard_conforming_strings
show standard_conforming_strings
-- case: SQLAlchemy ping
SELECT 1
-- case: Rails find
SELECT "users".* FROM "users" WHERE "users"."id" = $1 LIMIT $2
-- case: Rails where with IN
SELECT "posts".* FROM "posts" WHERE "posts"."user_id" IN ($1, $2, $3) ORDER BY "posts"."created_at" DESC
-- case: Rails create
INSERT INTO "posts" ("title", "body", "user_id", "created_at", "updated_at") VALUES ($1, $2, $3, $4, $5) RETURNING "id"
-- case: Rails update
UPDATE "posts" SET "title" = $1, "updated_at" = $2 WHERE "posts"."id" = $3
-- case: Rails destroy
DELETE FROM "posts" WHERE "posts"."id" = $1
-- case: Rails schema_migrations check
SELECT "schema_migrations"."version" FROM "schema_migrations" ORDER BY "schema_migrations"."version" ASC
-- case: Rails advisory lock around migrations
SELECT pg_try_advisory_lock(2195010411066150000)
-- case: Rails search_path
SET search_path TO public
-- case: Rails client_min_messages
SET client_min_messages TO 'warning'
-- case: Rails standard_conforming_strings
SET standard_conforming_strings = on
-- case: Rails intervalstyle
SET intervalstyle = iso_8601
-- case: Rails pluck
SELECT "users"."email" FROM "users" WHERE "users"."active" = $1
-- case: Rails exists?
SELECT 1 AS one FROM "users" WHERE "users"."email" = $1 LIMIT $2
-- case: Rails increment counter
UPDATE "posts" SET "comments_count" = COALESCE("comments_count", 0) + $1 WHERE "posts"."id" = $2
-- case: Hibernate select by id
select u1_0.id,u1_0.email,u1_0.name from users u1_0 where u1_0.id=$1
-- case: Hibernate sequence
select nextval('users_seq')
-- case: Hibernate insert
insert into users (email,name,id) values ($1,$2,$3)
-- case: Hibernate optimistic update
update users set email=$1,name=$2,version=$3 where id=$4 and version=$5
-- case: Hibernate delete
delete from users where id=$1
-- case: Hibernate pagination
select o1_0.id,o1_0.total from orders o1_0 where o1_0.customer_id=$1 order by o1_0.id offset $2 rows fetch first $3 rows only
-- case: Prisma findUnique
SELECT "public"."User"."id", "public"."User"."email", "public"."User"."name" FROM "public"."User" WHERE ("public"."User"."id" = $1 AND 1=1) LIMIT $2 OFFSET $3
-- case: Prisma create
INSERT INTO "public"."User" ("email","name") VALUES ($1,$2) RETURNING "public"."User"."id", "public"."User"."email"
-- case: Prisma update
UPDATE "public"."User" SET "name" = $1 WHERE ("public"."User"."id" = $2 AND 1=1) RETURNING "public"."User"."id"
-- case: Prisma deleteMany with a filter
DELETE FROM "public"."Post" WHERE ("public"."Post"."authorId" = $1 AND 1=1)
-- case: Sequelize findAll with where
SELECT "id", "title", "createdAt" FROM "Tasks" AS "Task" WHERE "Task"."done" = false ORDER BY "Task"."createdAt" DESC LIMIT 50;
-- case: Sequelize upsert
INSERT INTO "Users" ("id","email","updatedAt") VALUES ($1,$2,$3) ON CONFLICT ("id") DO UPDATE SET "email"=EXCLUDED."email","updatedAt"=EXCLUDED."updatedAt" RETURNING "id","email";
-- case: GORM first
SELECT * FROM "products" WHERE code = $1 AND "products"."deleted_at" IS NULL ORDER BY "products"."id" LIMIT 1
-- case: GORM soft delete
UPDATE "products" SET "deleted_at"=$1 WHERE "products"."id" = $2 AND "products"."deleted_at" IS NULL
-- case: job queue: claim with SKIP LOCKED
UPDATE jobs SET locked_at = now(), locked_by = $1 WHERE id = (SELECT id FROM jobs WHERE locked_at IS NULL AND run_at <= now() ORDER BY priority, run_at LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING *
-- case: job queue: move done jobs with a writable CTE that filters
WITH done AS (DELETE FROM jobs WHERE finished_at < now() - interval '7 days' RETURNING *) INSERT INTO jobs_archive SELECT * FROM done
-- case: upsert with a filter on the update
INSERT INTO counters (name, n) VALUES ($1, 1) ON CONFLICT (name) DO UPDATE SET n = counters.n + 1 WHERE counters.name = $1
-- case: keyset pagination
SELECT id, created_at FROM events WHERE (created_at, id) < ($1, $2) ORDER BY created_at DESC, id DESC LIMIT 100
-- case: aggregate report with window function
SELECT customer_id, sum(total) OVER (PARTITION BY customer_id ORDER BY created) FROM orders WHERE created > now() - interval '30 days'
-- case: SELECT * with LIMIT
SELECT * FROM customers ORDER BY id LIMIT 100
-- case: SELECT * with a real filter
SELECT * FROM customers WHERE email = $1
-- case: JSON query
SELECT id, data->>'name' AS name FROM documents WHERE data @> '{"type": "invoice"}'::jsonb LIMIT 10
-- case: MERGE with a real join condition
MERGE INTO stock s USING incoming i ON s.sku = i.sku WHEN MATCHED THEN UPDATE SET qty = s.qty + i.qty WHEN NOT MATCHED THEN INSERT (sku, qty) VALUES (i.sku, i.qty)
-- case: UPDATE ... FROM with a join condition
UPDATE orders o SET status = 'shipped' FROM shipments s WHERE s.order_id = o.id AND s.sent_at IS NOT NULL
-- case: DELETE ... USING with a join condition
DELETE FROM order_items oi USING orders o WHERE oi.order_id = o.id AND o.status = 'cancelled'
-- case: COPY FROM STDIN (bulk load from the client)
COPY staging_events (id, payload) FROM STDIN WITH (FORMAT csv)
-- case: CALL an application procedure
CALL close_month($1)
-- case: generate_series report
SELECT d::date, count(o.id) FROM generate_series(now() - interval '7 days', now(), interval '1 day') d LEFT JOIN orders o ON o.created::date = d::date GROUP BY 1 ORDER BY 1
