#include "masking/detectors.h"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>

namespace gh::masking {

namespace {

struct DetectorSpec {
  DetectorKind kind;
  std::string_view name;
  const char* regex;  // finds candidates; the validator decides
};

// Indexed by DetectorKind. Patterns are ASCII and compiled as Latin-1: any byte is one
// character, so invalid UTF-8 in a value is scanned like anything else.
constexpr DetectorSpec kSpecs[kDetectorKinds] = {
    {DetectorKind::kCreditCard, "credit_card", R"([0-9](?:[ -]?[0-9]){12,})"},
    {DetectorKind::kUsSsn, "us_ssn", R"([0-9]{3}[- ][0-9]{2}[- ][0-9]{4})"},
    {DetectorKind::kEmail, "email",
     R"([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,63})"},
    {DetectorKind::kPhone, "phone",
     R"(\+[1-9][0-9]{0,14}(?:(?:[ .-]|[ .-]?\([0-9]{1,5}\)[ .-]?)[0-9]{1,14}){0,7})"
     R"(|(?:1[ .-]?)?(?:\([2-9][0-9]{2}\) ?|[2-9][0-9]{2}[ .-])[2-9][0-9]{2}[ .-][0-9]{4})"},
    {DetectorKind::kIban, "iban", R"([A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,31})"},
    {DetectorKind::kAwsAccessKey, "aws_access_key", R"((?:AKIA|ASIA)[A-Z0-9]{16})"},
    {DetectorKind::kJwt, "jwt", R"(eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)"},
    {DetectorKind::kPrivateKey, "private_key",
     R"(-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)"},
};

bool is_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool is_token_char(char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; }

std::optional<ByteRange> range(size_t b, size_t e) {
  return ByteRange{static_cast<uint32_t>(b), static_cast<uint32_t>(e)};
}

// The last prefix of the phone candidate [b, e) that ends a digit group and is a valid,
// whole-token phone number (the regex may run on into following numbers).
std::optional<ByteRange> confirm_phone(std::string_view v, size_t b, size_t e) {
  if (b > 0 && (is_alnum(v[b - 1]) || v[b - 1] == '+')) return std::nullopt;
  for (size_t end = e; end > b; --end) {
    const char c = v[end - 1];
    if (!(c >= '0' && c <= '9')) continue;
    if (end < v.size() && v[end] >= '0' && v[end] <= '9') continue;  // inside a group
    if (phone_valid(v.substr(b, end - b)) && token_boundary(v, b, end)) return range(b, end);
  }
  return std::nullopt;
}

// The span of a PEM block: from its BEGIN line to the end of its END line, or to the end of
// the value when the block is cut off.
std::optional<ByteRange> confirm_private_key(std::string_view v, size_t b, size_t e) {
  const size_t end_marker = v.find("-----END ", e);
  if (end_marker == std::string_view::npos) return range(b, v.size());
  const size_t close = v.find("-----", end_marker + 9);
  return range(b, close == std::string_view::npos ? v.size() : close + 5);
}

// Whether the candidate [b, e) found by kind's regex is the real thing, and its exact range.
std::optional<ByteRange> confirm(DetectorKind kind, std::string_view v, size_t b, size_t e) {
  const std::string_view t = v.substr(b, e - b);
  switch (kind) {
    case DetectorKind::kCreditCard: {
      if (!token_boundary(v, b, e)) return std::nullopt;
      auto r = find_card_in_run(t);
      if (!r) return std::nullopt;
      return range(b + r->begin, b + r->end);
    }
    case DetectorKind::kUsSsn:
      if (ssn_valid(t) && token_boundary(v, b, e)) return range(b, e);
      return std::nullopt;
    case DetectorKind::kEmail: {
      while (b < e && (v[b] == '.' || v[b] == '-' || v[b] == '+')) ++b;
      const bool joined = e < v.size() && (is_alnum(v[e]) || v[e] == '-' || v[e] == '_');
      if (!joined && email_valid(v.substr(b, e - b))) return range(b, e);
      return std::nullopt;
    }
    case DetectorKind::kPhone:
      return confirm_phone(v, b, e);
    case DetectorKind::kIban: {
      if (b > 0 && is_alnum(v[b - 1])) return std::nullopt;
      auto r = find_iban(v.substr(b));
      if (!r) return std::nullopt;
      return range(b, b + r->end);
    }
    case DetectorKind::kAwsAccessKey:
      if ((b > 0 && is_alnum(v[b - 1])) || (e < v.size() && is_alnum(v[e]))) return std::nullopt;
      return range(b, e);
    case DetectorKind::kJwt:
      if ((b > 0 && is_token_char(v[b - 1])) || (e < v.size() && v[e] == '.')) {
        return std::nullopt;
      }
      if (jwt_valid(t)) return range(b, e);
      return std::nullopt;
    case DetectorKind::kPrivateKey:
      return confirm_private_key(v, b, e);
  }
  return std::nullopt;
}

// Candidates of bounded length that failed are searched again from their second byte, so a
// real one starting inside a false candidate is not skipped. Unbounded ones resume after.
bool retry_inside(DetectorKind kind) {
  return kind == DetectorKind::kUsSsn || kind == DetectorKind::kPhone ||
         kind == DetectorKind::kIban || kind == DetectorKind::kAwsAccessKey;
}

RE2::Options regex_options() {
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingLatin1);
  o.set_log_errors(false);
  o.set_never_capture(true);
  return o;
}

}  // namespace

struct DetectorSet::Compiled {
  Compiled() : set(regex_options(), RE2::UNANCHORED) {}
  RE2::Set set;
  std::vector<std::unique_ptr<RE2>> regexes;  // parallel to kinds_
};

std::string_view to_string(DetectorKind k) { return kSpecs[static_cast<size_t>(k)].name; }

std::optional<DetectorKind> detector_from_name(std::string_view name) {
  for (const DetectorSpec& s : kSpecs) {
    if (s.name == name) return s.kind;
  }
  return std::nullopt;
}

DetectorSet::DetectorSet(DetectorSet&&) noexcept = default;
DetectorSet& DetectorSet::operator=(DetectorSet&&) noexcept = default;
DetectorSet::~DetectorSet() = default;

Result<DetectorSet> DetectorSet::build(const std::vector<std::string>& names) {
  std::vector<DetectorKind> kinds;
  for (const std::string& n : names) {
    auto k = detector_from_name(n);
    if (!k) {
      std::string known;
      for (const DetectorSpec& s : kSpecs) {
        if (!known.empty()) known += ", ";
        known += s.name;
      }
      return Status::Invalid("unknown detector \"" + n + "\" (known: " + known + ")");
    }
    kinds.push_back(*k);
  }
  return build(kinds);
}

Result<DetectorSet> DetectorSet::build(const std::vector<DetectorKind>& kinds) {
  DetectorSet d;
  d.compiled_ = std::make_unique<Compiled>();
  for (DetectorKind k : kinds) {
    if (std::find(d.kinds_.begin(), d.kinds_.end(), k) != d.kinds_.end()) {
      return Status::Invalid("detector \"" + std::string(to_string(k)) + "\" is listed twice");
    }
    const DetectorSpec& spec = kSpecs[static_cast<size_t>(k)];
    std::string error;
    auto re = std::make_unique<RE2>(spec.regex, regex_options());
    if (!re->ok() || d.compiled_->set.Add(spec.regex, &error) < 0) {
      return Status::Internal("detector " + std::string(spec.name) + ": " + error);
    }
    d.kinds_.push_back(k);
    d.compiled_->regexes.push_back(std::move(re));
  }
  if (!d.compiled_->set.Compile()) return Status::Internal("cannot compile the detector set");
  return d;
}

std::optional<Detection> DetectorSet::detect(std::string_view value) const {
  if (kinds_.empty()) return std::nullopt;
  const re2::StringPiece text(value.data(), value.size());
  RE2::Set::ErrorInfo info{RE2::Set::kNoError};
  // First without a hit list: that call exits at the first match and allocates nothing.
  if (!compiled_->set.Match(text, nullptr, &info) && info.kind != RE2::Set::kOutOfMemory) {
    return std::nullopt;
  }
  std::vector<int> hits;
  if (!compiled_->set.Match(text, &hits, &info)) {
    if (info.kind != RE2::Set::kOutOfMemory) return std::nullopt;
    // The set's DFA ran out of memory: run every detector on its own (RE2 falls back to
    // its NFA there) rather than let the value through unchecked.
    hits.clear();
    for (size_t i = 0; i < kinds_.size(); ++i) hits.push_back(static_cast<int>(i));
  }
  std::sort(hits.begin(), hits.end());

  Detection out;
  for (int h : hits) {
    const DetectorKind kind = kinds_[static_cast<size_t>(h)];
    const RE2& re = *compiled_->regexes[static_cast<size_t>(h)];
    size_t pos = 0;
    re2::StringPiece m;
    while (pos < value.size() && re.Match(text, pos, value.size(), RE2::UNANCHORED, &m, 1)) {
      const auto b = static_cast<size_t>(m.data() - value.data());
      const size_t e = b + m.size();
      auto r = confirm(kind, value, b, e);
      if (r) {
        out.spans.push_back({*r, kind});
        pos = std::max<size_t>(r->end, b + 1);
      } else {
        pos = retry_inside(kind) ? b + 1 : std::max(e, b + 1);
      }
    }
  }
  if (out.spans.empty()) return std::nullopt;

  std::sort(out.spans.begin(), out.spans.end(), [](const DetectedSpan& a, const DetectedSpan& b) {
    return a.range.begin < b.range.begin ||
           (a.range.begin == b.range.begin && a.range.end > b.range.end);
  });
  size_t w = 0;
  for (size_t i = 1; i < out.spans.size(); ++i) {
    if (out.spans[i].range.begin < out.spans[w].range.end) {
      out.spans[w].range.end = std::max(out.spans[w].range.end, out.spans[i].range.end);
    } else {
      out.spans[++w] = out.spans[i];
    }
  }
  out.spans.resize(w + 1);
  out.kind = out.spans.front().kind;
  return out;
}

Masked mask_detected(std::string_view value, const Detection& d, const Style& style,
                     const HashKey* key, std::string& out) {
  if (style.kind == StyleKind::kNull) return Masked::kNull;
  size_t at = 0;
  for (const DetectedSpan& s : d.spans) {
    const size_t b = std::min<size_t>(s.range.begin, value.size());
    const size_t e = std::min<size_t>(s.range.end, value.size());
    if (b < at || e < b) continue;  // not from detect() on this value
    out.append(value.substr(at, b - at));
    apply_style(style, value.substr(b, e - b), key, out);
    at = e;
  }
  out.append(value.substr(at));
  return Masked::kValue;
}

}  // namespace gh::masking
