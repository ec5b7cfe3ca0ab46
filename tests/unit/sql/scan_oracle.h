#pragma once

// libpg_query's own scanner (pg_query_scan) as an oracle for NestingScan: the tokens it returns
// are what the parser sees, so the nesting estimate computed from them is the reference.
// pg_query_scan answers protobuf (ScanResult { repeated ScanToken tokens = 2 }, ScanToken
// { int32 start = 1; int32 end = 2; Token token = 4; ... }); a few lines of varint decoding
// read it.

#include <pg_query.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gh::sql::testing {

struct ScanToken {
  int start = 0;
  int end = 0;
  int token = 0;
};

namespace detail {

inline bool varint(const uint8_t*& p, const uint8_t* end, uint64_t& v) {
  v = 0;
  for (int shift = 0; p < end && shift < 64; shift += 7) {
    uint8_t b = *p++;
    v |= uint64_t{b & 0x7fu} << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

// Calls fn(field, wire_type, value, bytes) for each field of a message.
template <typename Fn>
bool fields(const uint8_t* p, const uint8_t* end, Fn fn) {
  while (p < end) {
    uint64_t key, v = 0;
    if (!varint(p, end, key)) return false;
    const uint8_t* bytes = nullptr;
    if ((key & 7) == 0) {
      if (!varint(p, end, v)) return false;
    } else if ((key & 7) == 2) {
      if (!varint(p, end, v) || v > static_cast<uint64_t>(end - p)) return false;
      bytes = p;
      p += v;
    } else {
      return false;
    }
    fn(static_cast<int>(key >> 3), bytes, v);
  }
  return true;
}

}  // namespace detail

// The scanner's tokens, or nullopt if it refused the text.
inline std::optional<std::vector<ScanToken>> scan_tokens(const std::string& sql) {
  PgQueryScanResult r = pg_query_scan(sql.c_str());
  std::optional<std::vector<ScanToken>> out;
  if (r.error == nullptr) {
    std::vector<ScanToken> tokens;
    auto* data = reinterpret_cast<const uint8_t*>(r.pbuf.data);
    bool ok = detail::fields(data, data + r.pbuf.len, [&](int field, const uint8_t* b, uint64_t v) {
      if (field != 2 || b == nullptr) return;
      ScanToken t;
      detail::fields(b, b + v, [&](int f, const uint8_t*, uint64_t x) {
        if (f == 1) t.start = static_cast<int>(x);
        if (f == 2) t.end = static_cast<int>(x);
        if (f == 4) t.token = static_cast<int>(x);
      });
      tokens.push_back(t);
    });
    if (ok) out = std::move(tokens);
  }
  pg_query_free_scan_result(r);
  return out;
}

// NestingScan's rules applied to the real tokens (token numbers from pg_query.proto).
inline int oracle_estimate(const std::vector<ScanToken>& tokens) {
  struct Level {
    int outer, expr, chain;
    bool is_case;
  };
  std::vector<Level> levels{{0, 0, 0, false}};
  int deepest = 0;
  auto note = [&] {
    const Level& l = levels.back();
    deepest = std::max(deepest, l.outer + l.expr + l.chain);
  };
  auto open = [&](bool is_case) {
    const Level& l = levels.back();
    levels.push_back({l.outer + l.expr + l.chain + 1, 0, 0, is_case});
    note();
  };
  for (const auto& t : tokens) {
    switch (t.token) {
      case 40:
      case 91:  // ( [
        open(false);
        break;
      case 41:
      case 93:  // ) ]
        if (levels.size() > 1) levels.pop_back();
        break;
      case 44:  // ,
        levels.back().expr = 0;
        break;
      case 59:  // ;
        levels.back().expr = 0;
        levels.back().chain = 0;
        break;
      case 37:
      case 42:
      case 43:
      case 45:
      case 47:
      case 60:
      case 61:
      case 62:
      case 63:
      case 94:
      case 265:  // Op
      case 268:  // TYPECAST
      case 272:
      case 273:
      case 274:  // <= >= <>
      case 528:
      case 737:  // NOT, NOT_LA
      case 475:
      case 476:
      case 531:
      case 490:
      case 448:
      case 637:
      case 308:
      case 453:
      case 334:
      case 301:
      case 555:
      case 403:
      case 545:  // IS .. OPERATOR
        ++levels.back().expr;
        note();
        break;
      case 291:
      case 548:  // AND OR
        levels.back().expr = 1;
        note();
        break;
      case 689:
      case 471:
      case 405:
      case 478:  // UNION INTERSECT EXCEPT JOIN
        ++levels.back().chain;
        note();
        break;
      case 321:  // CASE
        open(true);
        break;
      case 401:  // END_P
        if (levels.back().is_case) levels.pop_back();
        break;
      default:
        break;
    }
  }
  return deepest;
}

}  // namespace gh::sql::testing
