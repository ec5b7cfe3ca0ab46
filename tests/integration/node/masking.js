// node-postgres through gatehouse's masking: prints every value it receives, one row per line,
// for the test to scan; a plain query, then a parameterised one (the extended protocol).
// Connection settings come from the libpq-style environment (PGHOST, PGPORT, ...).
'use strict';
const { Client } = require('pg');

const QUERY = 'SELECT id, ssn, upper(email) AS ue, card, secret_note FROM people';

function print(res) {
  for (const row of res.rows) console.log(['ROW', ...Object.values(row)].join('\t'));
}

(async () => {
  const client = new Client({ ssl: false, connectionTimeoutMillis: 10000, query_timeout: 60000 });
  await client.connect();
  print(await client.query(QUERY));
  for (let i = 1; i <= 3; i++) print(await client.query(`${QUERY} WHERE id = $1`, [i]));
  print(await client.query({ name: 'masked-named', text: `${QUERY} WHERE id > $1`, values: [8] }));
  await client.end();
  console.log('NODE MASKING OK');
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
