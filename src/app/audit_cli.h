#pragma once

// What the auditor commands (audit, sessions, evidence) share: loading the config and the
// state store, reading audit records with their JSON payloads, and error reporting.
// Errors go to stderr as "gatehouse <tool>: <problem>"; exit 1 for a failure, 2 for a
// usage error.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "app/cli.h"
#include "app/options.h"
#include "audit/format.h"
#include "audit/reader.h"
#include "common/status.h"
#include "config/config.h"
#include "store/state_store.h"

namespace gh::app {

// Key order is kept: outputs list fields in the order they are written.
using Json = nlohmann::ordered_json;

struct AuditEnv {
  std::string config_path;
  config::Config cfg;
  std::unique_ptr<store::StateStore> store;
};



// Loads the config without resolving backend secrets (the auditor commands need none) and
// opens its state store. Invalid: the config's own "file:line: problem" lines.
Result<AuditEnv> load_audit_env(const std::string& config_path);
// The same for a command: on failure prints why and returns the exit code.
std::variant<AuditEnv, int> open_audit_env(std::string_view tool, const std::string& config_path);

// Reads --since / --until (either may be required); prints and returns the exit code when
// one is missing or bad.
struct Period {
  std::optional<int64_t> since_ns;
  std::optional<int64_t> until_ns;
};
std::variant<Period, int> take_period(std::string_view tool, Options& opts, bool need_since,
                                      bool need_until, const char* usage);

// One record as the CLI uses it: an owned copy with its payload parsed.
struct AuditRecord {
  uint32_t stream = 0;
  uint64_t segment = 0;
  uint64_t seq = 0;
  audit::RecordType type{};
  int64_t time_ns = 0;
  Json payload;             // an object; null when the payload is not valid JSON
  std::string raw_payload;  // the payload text when it is not valid JSON

  std::string_view type_name() const { return audit::record_type_name(type); }
  // payload["session"] as a string ("" when absent).
  std::string session() const;
};

// The log's own structure (segment.close, checkpoint): left out of exports unless asked for.
bool is_chain_record(audit::RecordType type);

// Calls `fn` for each record under the audit directory in (stream, seq) order. Returns the
// reader's status: NotFound for a missing directory, Io for an unreadable one, Corruption
// (naming the file and offset) after all readable records were delivered.
Status for_each_record(const std::string& audit_dir, const audit::ReadOptions& opts,
                       const std::function<bool(const AuditRecord&)>& fn);

// Ok if the audit directory exists and can be read; otherwise a message saying what to fix.
Status check_audit_dir(const std::string& audit_dir);

// A message for a for_each_record failure that tells the reader what to do next.
std::string describe_read_error(const std::string& audit_dir, const Status& s);

// Serialises JSON for output: one line, invalid UTF-8 replaced (never throws).
std::string dump_json(const Json& j);

// Payload fields. json_string: the value if it is a string, else "". json_text: a string as
// is, null or absent as "", anything else as JSON. json_int: an integer. json_bool: true
// only for true.
std::string json_string(const Json& obj, const char* key);
std::string json_text(const Json& obj, const char* key);
std::optional<int64_t> json_int(const Json& obj, const char* key);
bool json_bool(const Json& obj, const char* key);

// The record as one JSON object: {"time", "time_ns", "stream", "segment", "seq", "type",
// "payload"} (plus "payload_text" when the payload is not JSON).
Json record_to_json(const AuditRecord& r);

// The gatehouse version written into manifests and OCSF metadata.
std::string_view gatehouse_version();

}  // namespace gh::app
