#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace YAML {
class Node;
}

namespace gh::config {

// Where a value came from, for `file:line: problem` messages.
struct SourceLocation {
  std::string file;
  int line = 0;  // 1-based; 0 when unknown
};

enum class BackendTlsMode { kDisable, kRequire, kVerifyFull };

struct ClientTls {
  std::string cert_file;
  std::string key_file;
  bool require = false;  // refuse clients that do not send SSLRequest
};

struct BackendTls {
  BackendTlsMode mode = BackendTlsMode::kDisable;
  std::string ca_file;  // required for verify-full
};

// A login to the server: a user and its secret reference (at most one of password_env and
// password_file; the value is read at load time into `password` and never logged).
struct BackendCredential {
  std::string user;
  std::string password_env;
  std::string password_file;
  std::string password;  // resolved secret (may be empty for trust auth)
};

// How a session's backend login is chosen once an access rule names a role.
enum class CredentialMode {
  kStatic,     // the connection's own login, or the `roles:` entry the rule names
  kEphemeral,  // a role created per session IN ROLE <rule role>, with the connection's
               // login as the admin that creates and drops it
};

// A gatehouse connection: what clients name as `dbname`, mapped to a real server.
struct Connection {
  std::string name;
  std::string host = "127.0.0.1";
  uint16_t port = 5432;
  std::string database;  // defaults to name
  // The connection's own login: used by rules that name no role (or its user), and the
  // admin that creates and drops roles in ephemeral mode.
  BackendCredential login;
  BackendTls tls;
  std::chrono::milliseconds connect_timeout{5000};
  CredentialMode credentials = CredentialMode::kStatic;
  // Static mode: one login per role name that access rules may name.
  std::vector<std::pair<std::string, BackendCredential>> roles;
  // Ephemeral mode: the VALID UNTIL bound of a session's role when its rule sets no
  // max_session.
  std::chrono::seconds ephemeral_ttl{3600};
  SourceLocation where;

  // The static login for a rule's role: the connection's own for "" or its user, else the
  // `roles:` entry of that name (nullptr if none).
  const BackendCredential* static_login(std::string_view role) const {
    if (role.empty() || role == login.user) return &login;
    for (const auto& [name, cred] : roles)
      if (name == role) return &cred;
    return nullptr;
  }
};

// A trusted OIDC token issuer.
struct Issuer {
  std::string issuer;                  // exact "iss"; discovery below <issuer>/.well-known/
  std::vector<std::string> audiences;  // "aud" must contain one of these
  std::string jwks_uri;                // optional: skip discovery
  std::string ca_file;                 // https trust anchors; default: the system's
  std::chrono::seconds clock_skew{60};
  std::string subject_claim = "sub";
  std::vector<std::string> display_name_claims = {"email", "preferred_username", "client_id",
                                                  "azp"};
  std::string groups_claim = "groups";  // dotted path: realm_access.roles
  std::chrono::seconds jwks_max_age{86400};
  std::chrono::seconds jwks_refresh_interval{300};
  std::chrono::seconds jwks_min_refresh_interval{10};
  std::chrono::milliseconds http_timeout{5000};
  SourceLocation where;
};

enum class TokenExpiry { kTerminate, kContinue };

struct IdentityConfig {
  std::vector<Issuer> issuers;
  // A session whose token (or API key) expires: ended, or left to run.
  TokenExpiry on_token_expiry = TokenExpiry::kTerminate;
  // How often the API keys are re-read, so a revoked key ends its live sessions.
  std::chrono::milliseconds api_key_check_interval{5000};
};

// Who may open which connection as which database role. Deny by default: a login needs
// a rule; the first matching rule in file order wins.
struct AccessRule {
  std::string connection;
  std::vector<std::string> groups;      // any of these groups
  std::vector<std::string> principals;  // or any of these key names / token subjects
  std::string role;                     // "" = the connection's own login (static mode)
  std::chrono::seconds max_session{0};  // 0 = unbounded
  SourceLocation where;
};

struct Limits {
  std::chrono::milliseconds startup_timeout{10000};  // until ReadyForQuery to the client
  std::chrono::milliseconds idle_timeout{0};         // 0 = none
  uint32_t max_message_size = 64u << 20;             // bytes, either direction
  uint32_t max_connections = 10000;
};

enum class Durability { kBalanced, kStrict };

// The tamper-evident session recording (audit/).
struct AuditConfig {
  std::string dir;          // default <data_dir>/audit
  Durability durability = Durability::kBalanced;
  std::string signing_key;  // Ed25519 private key (PEM); default <data_dir>/audit-signing.key
  int retention_days = 0;   // 0 = keep everything
  uint64_t segment_size = 64ull << 20;
  std::chrono::milliseconds checkpoint_interval{5000};
  // balanced: how often the records written so far are made durable (the most a machine
  // crash can lose); strict syncs as soon as a statement waits, this is only its upper bound.
  std::chrono::milliseconds sync_interval{5};
};

// What goes into statement and result records.
struct RecordingConfig {
  uint32_t param_max_bytes = 1024;              // per bound value; longer ones are cut
  uint32_t statement_params_max_bytes = 16384;  // all values of one statement
  uint32_t result_rows = 0;                     // first N rows of each result
  uint32_t result_value_max_bytes = 256;        // per value in recorded rows
};

// One `masking:` rule as written. config/ checks its shape; masking/ compiles the style, the
// detector names and the column patterns (their problems are `file:line` in this file too).
struct MaskRuleConfig {
  std::string name;
  SourceLocation where;
  std::vector<std::string> columns;  // "schema.table.column" / "table.column" globs
  int columns_line = 0;
  std::vector<std::string> detect;  // detector names
  int detect_line = 0;
  std::string style;
  int style_line = 0;
  std::vector<std::string> except_groups;  // principals in these groups see raw values
  std::vector<std::string> connections;    // empty = every connection
};

struct MaskingConfig {
  std::vector<MaskRuleConfig> rules;
  // The key of the `hash` style (hash_key_env / hash_key_file), resolved.
  BackendCredential hash_key;
  int hash_key_line = 0;
};

// The `guardrails:` section as written. config/ only keeps it: interpreting rules needs
// statement kinds, which live above this module (policy/ parses it with YamlReader, so its
// problems are `file:line` in this file too).
struct GuardrailsSource {
  std::shared_ptr<const YAML::Node> node;  // null when the config has no guardrails section
  SourceLocation where;                     // the config file and the line of `guardrails:`
};

// The admin HTTP API (admin/): its listener, optional TLS, and which groups hold which role.
struct AdminRoles {
  std::vector<std::string> admin;     // everything
  std::vector<std::string> approver;  // decide reviews (scoped by each rule's approvers)
  std::vector<std::string> auditor;   // read sessions, policy and evidence
};

struct AdminTls {
  std::string cert_file;
  std::string key_file;
};

struct AdminConfig {
  std::string listen;  // as written, "127.0.0.1:8090"
  std::string host;
  uint16_t port = 0;
  std::optional<AdminTls> tls;
  AdminRoles roles;
  SourceLocation where;  // the line of `admin:`
};

// review: what a `review` decision does. hold: the session holds the statement until its review
// request is decided (approved: it runs; denied or expired: 42501). ticket: the statement is
// refused with the id of a review request, and once approved the same principal's identical
// statement passes once within approval_ttl.
struct ReviewConfig {
  // The URL of request `id` (review.url, else the admin API's), for notices and notifications.
  std::string url_of(std::string_view id, const std::optional<AdminConfig>& admin) const;
  std::string mode = "hold";
  std::chrono::seconds timeout{15 * 60};      // a pending request expires (denied) after this
  std::chrono::seconds approval_ttl{10 * 60};  // an approval is usable this long
  // Access grants (`gatehouse access request`): the longest a grant may last, and the groups
  // whose approvers decide grant requests (empty: any approver).
  std::chrono::seconds max_grant{8 * 3600};
  // Where an approver decides a request, told to a held client and in notifications; {id} is
  // replaced by the request's id. Empty: the admin API's own review URL.
  std::string url;
  std::vector<std::string> grant_approvers;
  // webhook: each new request and each decision is POSTed here (empty: none), signed with
  // the secret in the environment variable webhook_secret_env.
  std::string webhook_url;
  std::string webhook_secret_env;
};

struct Config {
  std::string path;         // the file it was loaded from
  std::string config_hash;  // SHA-256 hex of the file's bytes, to tell which config was live
  std::string listen = "127.0.0.1:6432";
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 6432;
  int workers = 0;                 // 0 = one per core
  std::string data_dir = "./var";  // relative paths resolve against the config file's folder
  std::string log_level = "info";
  std::optional<ClientTls> tls;
  std::vector<Connection> connections;
  Limits limits;
  AuditConfig audit;
  RecordingConfig recording;
  IdentityConfig identity;
  std::vector<AccessRule> access;
  GuardrailsSource guardrails;
  MaskingConfig masking;
  ReviewConfig review;
  std::optional<AdminConfig> admin;  // absent: no admin server

  const Connection* find_connection(std::string_view name) const {
    for (const auto& c : connections)
      if (c.name == name) return &c;
    return nullptr;
  }
};

// Loads and validates a config file. Every problem is reported as
// `file:line: problem` (several joined by newlines) in a Status::Invalid.
// `resolve_secrets` = false skips reading password_env/password_file (for tools that
// need no backend access, such as `keys`), but their presence is still validated. It also
// skips the checks that files only the server reads (TLS certificates and keys, CA files)
// exist and are readable: an operator running `keys` may not be allowed to read them.
Result<Config> load_file(const std::string& path, bool resolve_secrets = true);
// Same, from text (tests); `path` is used only in messages and to resolve relative paths.
Result<Config> load_string(const std::string& text, const std::string& path,
                           bool resolve_secrets = true);

}  // namespace gh::config
