#pragma once

// The gatehouse schema on top of the generic YamlReader. Internal to config/: each group
// of sections is parsed in its own file (config.cpp, connection_section.cpp,
// identity_section.cpp), all as members of this one Loader.

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "config/yaml_reader.h"

namespace gh::config::detail {

// An environment variable name: what password_env may hold.
bool is_env_name(std::string_view s);
// Letters, digits, '_', '.', '-': connection names and the like.
bool is_plain_name(std::string_view s);
// "host:port" or "[v6addr]:port" (an unbracketed IPv6 address is ambiguous: nullopt).
std::optional<std::pair<std::string, uint16_t>> split_host_port(std::string_view s);
// An IPv4 or IPv6 address literal.
bool is_ip_address(const std::string& host);

class Loader : public YamlReader {
 public:
  Loader(const std::string& file, std::filesystem::path base_dir, bool resolve_secrets)
      : YamlReader(file, std::move(base_dir), /*check_files=*/resolve_secrets),
        resolve_secrets_(resolve_secrets) {}

  Result<Config> load(const std::string& text);

 private:
  using SectionParser = void (Loader::*)(const Entry&, Config&);
  struct TopLevelKey {
    std::string_view key;
    SectionParser parse;
  };
  // Every top-level key and its parser. A new section is one row here plus its parser.
  static const TopLevelKey kTopLevelKeys[];

  // config.cpp
  void parse_listen(const Entry& e, Config& cfg);
  void parse_workers(const Entry& e, Config& cfg);
  void parse_data_dir(const Entry& e, Config& cfg);
  void parse_log_level(const Entry& e, Config& cfg);
  void parse_tls(const Entry& e, Config& cfg);
  void parse_limits(const Entry& e, Config& cfg);
  void parse_audit(const Entry& e, Config& cfg);
  void parse_recording(const Entry& e, Config& cfg);
  // Kept as YAML for policy/ (see GuardrailsSource).
  void parse_guardrails(const Entry& e, Config& cfg);
  std::optional<uint64_t> read_size(const Entry& f, uint64_t min, uint64_t max,
                                    const char* range);
  // A duration of at least `min` (and at most `max` when not zero), in whole seconds.
  std::optional<std::chrono::seconds> read_seconds(const Entry& f, std::chrono::seconds min,
                                                   std::chrono::seconds max = {});
  // A string or a list of non-empty strings.
  std::optional<std::vector<std::string>> read_string_list(const Entry& f);

  // connection_section.cpp
  void parse_connections(const Entry& e, Config& cfg);
  void parse_connection(const YAML::Node& node, const std::string& path, int fallback_line,
                        Config& cfg);
  void parse_backend_tls(const Entry& e, BackendTls& tls);
  void parse_roles(const Entry& e, Connection& c);
  // Reads user, password_env and password_file entries of a login; false if `f` is none.
  bool parse_login_entry(const Entry& f, BackendCredential& cred, int& env_line, int& file_line);
  void finish_login(BackendCredential& cred, const std::string& path, int line, int env_line,
                    int file_line);
  void resolve_password(BackendCredential& c, const std::string& path, int line);

  // masking_section.cpp
  void parse_masking(const Entry& e, Config& cfg);
  void parse_mask_rule(const YAML::Node& node, const std::string& path, int fallback_line,
                       Config& cfg);

  // identity_section.cpp
  void parse_identity(const Entry& e, Config& cfg);
  void parse_issuer(const YAML::Node& node, const std::string& path, int fallback_line,
                    Config& cfg);
  void parse_access(const Entry& e, Config& cfg);
  void parse_access_rule(const YAML::Node& node, const std::string& path, int fallback_line,
                         Config& cfg);
  // admin_section.cpp
  void parse_admin(const Entry& e, Config& cfg);
  void parse_review(const Entry& e, Config& cfg);
  void parse_admin_tls(const Entry& e, AdminConfig& admin);
  void parse_admin_roles(const Entry& e, AdminConfig& admin);
  void check_admin(Config& cfg);  // after all sections: not the proxy's own address

  // After all sections: rules name existing connections and roles they can log in as.
  void check_access(Config& cfg);
  void check_masking(Config& cfg);  // masking_section.cpp

  bool resolve_secrets_;
  std::map<std::string, int, std::less<>> connection_lines_;  // name -> line of first use
  struct RuleLines {
    int connection = 0;
    int role = 0;
  };
  std::vector<RuleLines> access_lines_;  // parallel to Config::access
};

}  // namespace gh::config::detail
