// A real OpenID provider (oidc-provider) for the gatehouse integration tests.
//
//   node provider.mjs --jwks FILE [--port N] [--ttl SECONDS] [--short-ttl SECONDS] [--alg ALG]
//
// Options may also come from the environment: GH_OIDC_JWKS, GH_OIDC_PORT, GH_OIDC_TTL,
// GH_OIDC_SHORT_TTL, GH_OIDC_ALG. Port 0 (the default) picks a free port.
//
// - Listens on 127.0.0.1:PORT; the issuer is http://127.0.0.1:PORT.
// - Signing keys: the private JWKS in FILE (RSA or EC P-256). Tokens are signed with the FIRST
//   key of the file (its "alg", else RS256 for RSA / ES256 for EC P-256); every key is
//   published at the jwks_uri. Rotate keys by restarting with another file.
// - Client credentials grant; confidential clients (client_secret_basic):
//     agent / agent-secret            groups ["data-agents"], realm_access.roles ["realm-agents"]
//     other-agent / other-agent-secret groups ["other"],       realm_access.roles ["realm-other"]
//     short-agent / short-agent-secret as agent, but its tokens live --short-ttl seconds
//   Access tokens are JWTs (typ at+jwt) for the resource indicator "urn:gatehouse" (the default
//   when no `resource` is sent), audience "gatehouse"; "urn:other-service" gives audience
//   "other-service" (a token for somebody else).
// - Prints exactly one line "ready <issuer>" on stdout once listening; everything else goes to
//   stderr. SIGTERM / SIGINT close the server and exit 0.

import * as fs from 'node:fs';
import * as http from 'node:http';
import { parseArgs } from 'node:util';

// oidc-provider prints notices with console.info; stdout is reserved for the "ready" line.
console.info = console.error;
console.log = console.error;

const { default: Provider, errors } = await import('oidc-provider');

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.GH_OIDC_PORT ?? '0' },
    jwks: { type: 'string', default: process.env.GH_OIDC_JWKS },
    ttl: { type: 'string', default: process.env.GH_OIDC_TTL ?? '300' },
    'short-ttl': { type: 'string', default: process.env.GH_OIDC_SHORT_TTL ?? '2' },
    alg: { type: 'string', default: process.env.GH_OIDC_ALG },
  },
});

function die(msg) {
  process.stderr.write(`provider.mjs: ${msg}\n`);
  process.exit(2);
}

function positiveInt(name, s) {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) die(`--${name} must be a non-negative integer, got ${JSON.stringify(s)}`);
  return n;
}

if (!opts.jwks) die('--jwks FILE (or GH_OIDC_JWKS) is required');
const port = positiveInt('port', opts.port);
const ttl = positiveInt('ttl', opts.ttl);
const shortTtl = positiveInt('short-ttl', opts['short-ttl']);
if (ttl < 1 || shortTtl < 1) die('token lifetimes must be at least 1 second');

let jwks;
try {
  jwks = JSON.parse(fs.readFileSync(opts.jwks, 'utf8'));
} catch (e) {
  die(`cannot read JWKS ${opts.jwks}: ${e.message}`);
}
if (!Array.isArray(jwks?.keys) || jwks.keys.length === 0) die(`${opts.jwks}: no "keys"`);

function defaultAlg(jwk) {
  if (jwk.alg) return jwk.alg;
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC') return { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' }[jwk.crv];
  if (jwk.kty === 'OKP') return 'EdDSA';
  return undefined;
}
const signKey = jwks.keys[0];
const signAlg = opts.alg ?? defaultAlg(signKey);
if (!signAlg) die(`cannot tell the signing algorithm of the first key (kty ${signKey.kty}); pass --alg`);

const AUDIENCES = {
  'urn:gatehouse': 'gatehouse',
  'urn:other-service': 'other-service',
};

const CLIENT_CLAIMS = {
  agent: { groups: ['data-agents'], realm_access: { roles: ['realm-agents'] } },
  'other-agent': { groups: ['other'], realm_access: { roles: ['realm-other'] } },
  'short-agent': { groups: ['data-agents'], realm_access: { roles: ['realm-agents'] } },
};

const clients = Object.keys(CLIENT_CLAIMS).map((id) => ({
  client_id: id,
  client_secret: `${id}-secret`,
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  token_endpoint_auth_method: 'client_secret_basic',
}));

// Listen first so that port 0 works: the issuer needs the real port.
const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, '127.0.0.1', resolve);
}).catch((e) => die(`cannot listen on 127.0.0.1:${port}: ${e.message}`));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients,
  clientDefaults: { id_token_signed_response_alg: signAlg },
  jwks,
  cookies: { keys: ['gatehouse-integration-tests-cookie-key'] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => 'urn:gatehouse',
      useGrantedResource: async () => true,
      getResourceServerInfo: async (ctx, resourceIndicator) => {
        const audience = AUDIENCES[resourceIndicator];
        if (!audience) throw new errors.InvalidTarget();
        return {
          audience,
          scope: 'openid gatehouse',
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: signAlg, kid: signKey.kid } },
        };
      },
    },
  },
  extraTokenClaims: async (ctx, token) => CLIENT_CLAIMS[token.clientId],
  ttl: {
    ClientCredentials: (ctx, token, client) => (client?.clientId === 'short-agent' ? shortTtl : ttl),
  },
});

provider.on('server_error', (ctx, err) => console.error('server_error', err));
provider.on('grant.error', (ctx, err) => console.error('grant.error', err.message, err.error_description ?? ''));
provider.on('client_credentials.issued', (token) => {
  console.error(`issued client_credentials token client=${token.clientId} aud=${token.aud} ttl=${token.expiresIn}`);
});

server.on('request', provider.callback());

let stopping = false;
function shutdown(sig) {
  if (stopping) return;
  stopping = true;
  console.error(`${sig}: closing ${issuer}`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

console.error(`oidc-provider listening, issuer ${issuer}, signing ${signAlg} kid ${signKey.kid}, `
  + `ttl ${ttl}s, short ttl ${shortTtl}s`);
process.stdout.write(`ready ${issuer}\n`);
