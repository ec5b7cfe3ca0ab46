// node-postgres (pg) through gatehouse: queries, parameters, errors, a pool.
// Connection settings come from the libpq-style environment (PGHOST, PGPORT, PGDATABASE,
// PGUSER, PGPASSWORD); GH_NODE_SSL = disable | require | verify-full (CA in GH_NODE_CA).
'use strict';
const fs = require('fs');
const assert = require('assert/strict');
const { Client, Pool } = require('pg');

function sslOption() {
  const mode = process.env.GH_NODE_SSL || 'disable';
  if (mode === 'disable') return false;
  if (mode === 'require') return { rejectUnauthorized: false };
  if (mode === 'verify-full') return { ca: fs.readFileSync(process.env.GH_NODE_CA), servername: 'localhost' };
  throw new Error(`unknown GH_NODE_SSL ${mode}`);
}

const config = {
  ssl: sslOption(),
  connectionTimeoutMillis: 10000,
  query_timeout: 60000,
  application_name: 'node-smoke',
};

async function expectError(client, sql, params, code) {
  try {
    await client.query(sql, params);
  } catch (e) {
    assert.equal(e.code, code, `${sql}: expected ${code}, got ${e.code} (${e.message})`);
    return e;
  }
  throw new Error(`${sql}: expected error ${code}`);
}

async function main() {
  const c = new Client(config);
  await c.connect();
  try {
    // simple protocol
    let r = await c.query('select count(*)::int as n from customers');
    assert.equal(r.rows[0].n, 50);
    r = await c.query('select 1 as a; select 2 as b');
    assert.equal(r.length, 2);

    // parameters (extended protocol), typed results
    r = await c.query('select name, email from customers where id = $1', [3]);
    assert.deepEqual(r.rows, [{ name: 'Customer 3', email: 'customer3@example.test' }]);
    r = await c.query('select $1::int + $2::int as s, $3::text as t, $4::jsonb as j, $5::bytea as b',
                      [40, 2, 'héllo', { k: [1, 2] }, Buffer.from([0, 1, 255])]);
    assert.equal(r.rows[0].s, 42);
    assert.equal(r.rows[0].t, 'héllo');
    assert.deepEqual(r.rows[0].j, { k: [1, 2] });
    assert.deepEqual(r.rows[0].b, Buffer.from([0, 1, 255]));

    // named prepared statement, reused
    for (let i = 1; i <= 10; i++) {
      r = await c.query({ name: 'by-id', text: 'select label from items where id = $1', values: [i] });
      assert.equal(r.rows[0].label, `item ${i}`);
    }

    // many rows
    r = await c.query('select i from generate_series(1, 100000) i');
    assert.equal(r.rowCount, 100000);

    // errors leave the connection usable
    await expectError(c, 'select 1/0', [], '22012');
    await expectError(c, 'select * from nope_nope', [], '42P01');
    await expectError(c, 'select $1::int', ['not-an-int'], '22P02');
    await c.query('begin');
    await expectError(c, 'select 1/0', [], '22012');
    await expectError(c, 'select 1', [], '25P02');
    await c.query('rollback');
    r = await c.query('select $1::text as ok', ['still usable']);
    assert.equal(r.rows[0].ok, 'still usable');

    // transactions
    await c.query('create temp table nt (id int primary key)');
    await c.query('begin');
    await c.query('insert into nt values (1), (2)');
    await c.query('commit');
    await c.query('begin');
    await c.query('insert into nt values (3)');
    await c.query('rollback');
    r = await c.query('select count(*)::int as n from nt');
    assert.equal(r.rows[0].n, 2);
  } finally {
    await c.end();
  }

  // a pool with concurrent queries
  const pool = new Pool({ ...config, max: 5 });
  try {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => pool.query('select $1::int * 2 as v', [i])));
    assert.deepEqual(results.map((x) => x.rows[0].v), Array.from({ length: 50 }, (_, i) => i * 2));
  } finally {
    await pool.end();
  }
  console.log('NODE OK');
}

const timer = setTimeout(() => { console.error('node smoke timed out'); process.exit(3); }, 90000);
main().then(() => { clearTimeout(timer); }, (e) => {
  console.error(e);
  process.exit(1);
});
