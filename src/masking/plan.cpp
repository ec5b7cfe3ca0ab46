#include "masking/plan.h"

#include <algorithm>

namespace gh::masking {

bool MaskPlan::masks_anything() const {
  return std::any_of(columns.begin(), columns.end(),
                     [](const ColumnMask& c) { return c.action != ColumnAction::kPass; });
}

ValueOutcome mask_value(const ColumnMask& col, const MaskPlan& plan, std::string_view value,
                        std::string& out) {
  if (col.action == ColumnAction::kPass) return ValueOutcome::kUnchanged;
  const bool opaque = col.format == ValueFormat::kBinary && !col.text_type;
  if (col.action == ColumnAction::kDetect) {
    if (opaque) return ValueOutcome::kUnchanged;  // detectors read text only
    if (plan.detectors != nullptr) {
      auto d = plan.detectors->detect(value);
      if (!d) return ValueOutcome::kUnchanged;
      return mask_detected(value, *d, col.style, plan.hash_key, out) == Masked::kNull
                 ? ValueOutcome::kNull
                 : ValueOutcome::kValue;
    }
  }
  if (opaque) return ValueOutcome::kNull;
  return apply_style(col.style, value, plan.hash_key, out) == Masked::kNull ? ValueOutcome::kNull
                                                                            : ValueOutcome::kValue;
}

uint64_t MaskCounts::total() const {
  uint64_t t = 0;
  for (uint64_t c : counts_) t += c;
  return t;
}

void MaskCounts::reset() { std::fill(counts_.begin(), counts_.end(), 0); }

}  // namespace gh::masking
