#pragma once

// The gateway's masking state, shared by the sessions of all io threads: the compiled rules,
// and the catalogs resolved for them.
//
// A session reads the server's catalog (masking/catalog.h) when it starts and again when its
// snapshot is older than kCatalogTtlNs, when a result names a relation the snapshot does not
// know, or after it ran DDL. What it reads is shared with later sessions of the same
// connection, database and rule set, so a login does not wait for a catalog query while the
// shared snapshot is fresh. Lookups take a mutex, at session start and at refresh only.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "masking/catalog.h"
#include "masking/result_plan.h"
#include "masking/rules.h"

namespace gh::pg {

class MaskingState {
 public:
  static constexpr int64_t kCatalogTtlNs = int64_t{10} * 1'000'000'000;

  void set_rules(std::shared_ptr<const masking::MaskRules> rules) { rules_ = std::move(rules); }
  bool empty() const { return rules_ == nullptr || rules_->empty(); }

  // What applies to a principal on a connection (no catalog yet); `key` identifies the rule
  // set for the catalog cache.
  struct ForSession {
    masking::SessionMasking masking;
    std::vector<const masking::MaskRule*> column_rules;
    std::string key;
  };
  ForSession for_session(const std::vector<std::string>& groups,
                         const std::string& connection) const;

  // The shared catalog for (connection, database, rule set), if one was read less than
  // kCatalogTtlNs ago and not invalidated since.
  std::shared_ptr<const masking::MaskCatalog> cached_catalog(const std::string& key,
                                                             int64_t now_ns,
                                                             int64_t* read_ns) const;
  void store_catalog(const std::string& key, std::shared_ptr<const masking::MaskCatalog> cat,
                     int64_t now_ns);
  // A session changed the schema of (connection, database): every rule set's catalog of it
  // is read again by the next session that needs it.
  void invalidate(const std::string& connection, const std::string& database);

  static std::string catalog_key(const std::string& connection, const std::string& database,
                                 const std::string& rule_key) {
    return connection + '\0' + database + '\0' + rule_key;
  }

 private:
  std::shared_ptr<const masking::MaskRules> rules_;
  struct Cached {
    std::shared_ptr<const masking::MaskCatalog> catalog;
    int64_t read_ns = 0;
  };
  mutable std::mutex mu_;
  std::unordered_map<std::string, Cached> catalogs_;
  // Detector sets merged for sessions that several detector rules apply to, by rule set.
  mutable std::unordered_map<std::string, std::shared_ptr<const masking::DetectorSet>> merged_;
};

}  // namespace gh::pg
