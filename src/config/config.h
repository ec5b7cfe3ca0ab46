#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

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

// A gatehouse connection: what clients name as `dbname`, mapped to a real server.
struct Connection {
  std::string name;
  std::string host = "127.0.0.1";
  uint16_t port = 5432;
  std::string database;  // defaults to name
  std::string user;
  // Secret reference: exactly one of these is set. The value is read at load time
  // into `password` and never logged.
  std::string password_env;
  std::string password_file;
  std::string password;  // resolved secret (may be empty for trust auth)
  BackendTls tls;
  std::chrono::milliseconds connect_timeout{5000};
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
};

// What goes into statement and result records.
struct RecordingConfig {
  uint32_t param_max_bytes = 1024;              // per bound value; longer ones are cut
  uint32_t statement_params_max_bytes = 16384;  // all values of one statement
  uint32_t result_rows = 0;                     // first N rows of each result
  uint32_t result_value_max_bytes = 256;        // per value in recorded rows
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
