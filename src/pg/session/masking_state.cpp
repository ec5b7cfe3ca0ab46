#include "pg/session/masking_state.h"

#include <algorithm>

namespace gh::pg {

MaskingState::ForSession MaskingState::for_session(const std::vector<std::string>& groups,
                                                   const std::string& connection) const {
  ForSession out;
  if (empty()) return out;
  out.masking.hash_key = rules_->hash_key();
  std::vector<const masking::MaskRule*> detect;
  for (const masking::MaskRule* r : rules_->for_session(groups, connection)) {
    out.key += std::to_string(r - rules_->rules().data()) + ",";
    if (r->is_column_rule()) {
      out.column_rules.push_back(r);
    } else if (r->detect != nullptr) {
      detect.push_back(r);
    }
  }
  out.masking.has_column_rules = !out.column_rules.empty();
  if (detect.empty()) return out;
  out.masking.detect_rule = detect.front();
  out.masking.detect_style = detect.front()->style;
  if (detect.size() == 1) {
    out.masking.detectors = detect.front()->detect;
    return out;
  }
  // Several detector rules: one set of all their detectors. Their styles differ only if the
  // config says so; then the strictest one applies to all (null, else redact).
  for (const masking::MaskRule* r : detect) {
    if (r->style.kind != out.masking.detect_style.kind || r->style.keep != out.masking.detect_style.keep)
      out.masking.detect_style = r->style.kind == masking::StyleKind::kNull ||
                                         out.masking.detect_style.kind == masking::StyleKind::kNull
                                     ? masking::Style::null()
                                     : masking::Style::redact();
  }
  std::lock_guard lock(mu_);
  auto& merged = merged_[out.key];
  if (merged == nullptr) {
    std::vector<masking::DetectorKind> kinds;
    for (const masking::MaskRule* r : detect)
      for (masking::DetectorKind k : r->detect->kinds())
        if (std::find(kinds.begin(), kinds.end(), k) == kinds.end()) kinds.push_back(k);
    auto set = masking::DetectorSet::build(kinds);
    if (set.ok()) merged = std::make_shared<const masking::DetectorSet>(std::move(set.value()));
  }
  out.masking.detectors = merged;
  if (out.masking.detectors == nullptr) out.masking.detectors = detect.front()->detect;
  return out;
}

std::shared_ptr<const masking::MaskCatalog> MaskingState::cached_catalog(const std::string& key,
                                                                         int64_t now_ns,
                                                                         int64_t* read_ns) const {
  std::lock_guard lock(mu_);
  auto it = catalogs_.find(key);
  if (it == catalogs_.end() || now_ns - it->second.read_ns > kCatalogTtlNs) return nullptr;
  *read_ns = it->second.read_ns;
  return it->second.catalog;
}

void MaskingState::store_catalog(const std::string& key,
                                 std::shared_ptr<const masking::MaskCatalog> cat, int64_t now_ns) {
  std::lock_guard lock(mu_);
  catalogs_[key] = Cached{std::move(cat), now_ns};
}

void MaskingState::invalidate(const std::string& connection, const std::string& database) {
  std::string prefix = connection + '\0' + database + '\0';
  std::lock_guard lock(mu_);
  for (auto it = catalogs_.begin(); it != catalogs_.end();) {
    if (it->first.starts_with(prefix)) {
      it = catalogs_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace gh::pg
