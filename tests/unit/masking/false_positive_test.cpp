// Detector false positives on a generated corpus of look-alikes (order numbers, timestamps,
// UUIDs, version strings, card-length digit strings failing Luhn, invalid SSNs, amounts, IP
// addresses, hashes, ...), kept under 0.1%; and the other side: generated real values
// (Luhn-valid cards of each scheme, valid SSNs and IBANs) are all found.
// Deterministic: a fixed-seed PRNG, so a failure reproduces.

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <random>

#include "masking/detectors.h"
#include "masking/validators.h"

namespace gh::masking {
namespace {

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}
  uint64_t below(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }
  int between(int lo, int hi) {
    return lo + static_cast<int>(below(static_cast<uint64_t>(hi - lo + 1)));
  }
  std::string digits(size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + below(10)));
    return s;
  }
  std::string hex(size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s.push_back("0123456789abcdef"[below(16)]);
    return s;
  }
  std::string pad(uint64_t v, int width) {
    std::string s = std::to_string(v);
    while (static_cast<int>(s.size()) < width) s.insert(s.begin(), '0');
    return s;
  }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }

 private:
  std::mt19937_64 rng_;
};

// Makes the last digit the Luhn check digit (or, with `valid` false, anything but).
std::string with_check_digit(std::string body, bool valid) {
  for (char d = '0'; d <= '9'; ++d) {
    if (luhn_valid(body + d) == valid) return body + d;
  }
  return body + '0';
}

struct Category {
  const char* name;
  std::function<std::string(Gen&)> make;
};

std::vector<Category> look_alikes() {
  return {
      {"order numbers",
       [](Gen& g) {
         switch (g.below(5)) {
           case 0:
             return "ORD-" + std::to_string(g.between(2015, 2025)) + "-" +
                    g.pad(g.below(1000000), 6);
           case 1:
             return "SO" + g.digits(8);
           case 2:
             return "#" + g.digits(g.between(6, 12));
           case 3:
             return "INV/" + std::to_string(g.between(2015, 2025)) + "/" + g.digits(5);
           default:
             return g.digits(3) + "-" + g.digits(7) + "-" + g.digits(7);  // Amazon style
         }
       }},
      {"ISO timestamps",
       [](Gen& g) {
         std::string d = std::to_string(g.between(1970, 2038)) + "-" + g.pad(g.between(1, 12), 2) +
                         "-" + g.pad(g.between(1, 28), 2);
         std::string t =
             g.pad(g.below(24), 2) + ":" + g.pad(g.below(60), 2) + ":" + g.pad(g.below(60), 2);
         switch (g.below(4)) {
           case 0:
             return d;
           case 1:
             return d + "T" + t + "Z";
           case 2:
             return d + " " + t + "." + g.digits(6) + "+" + g.pad(g.below(14), 2) + ":00";
           default:
             return d + "T" + t + "." + g.digits(3) + "-0" + std::to_string(g.below(9)) + ":30";
         }
       }},
      {"epoch timestamps",
       [](Gen& g) {
         const uint64_t s = 1000000000ull + g.below(1100000000ull);
         switch (g.below(3)) {
           case 0:
             return std::to_string(s);
           case 1:
             return std::to_string(s) + g.digits(3);
           default:
             return std::to_string(s) + g.digits(6);
         }
       }},
      {"UUIDs",
       [](Gen& g) {
         return g.hex(8) + "-" + g.hex(4) + "-4" + g.hex(3) + "-" +
                g.pick<std::string>({"8", "9", "a", "b"}) + g.hex(3) + "-" + g.hex(12);
       }},
      {"version strings",
       [](Gen& g) {
         std::string v = std::to_string(g.below(30)) + "." + std::to_string(g.below(200)) + "." +
                         std::to_string(g.below(5000));
         if (g.below(2)) v += "." + std::to_string(g.below(100000));
         if (g.below(3) == 0) v = "v" + v + "-rc." + std::to_string(g.below(10));
         return v;
       }},
      {"card-length digits failing Luhn",
       [](Gen& g) {
         std::string n = with_check_digit(g.digits(static_cast<size_t>(g.between(12, 18))), false);
         if (n.size() == 16 && g.below(2)) {
           return n.substr(0, 4) + " " + n.substr(4, 4) + " " + n.substr(8, 4) + " " + n.substr(12);
         }
         return n;
       }},
      {"invalid SSNs",
       [](Gen& g) {
         std::string area = g.pad(g.below(1000), 3), group = g.pad(g.between(1, 99), 2),
                     serial = g.pad(g.between(1, 9999), 4);
         switch (g.below(4)) {
           case 0:
             area = g.pick<std::string>({"000", "666"});
             break;
           case 1:
             area = std::to_string(g.between(900, 999));
             break;
           case 2:
             group = "00";
             break;
           default:
             serial = "0000";
             break;
         }
         return area + (g.below(2) ? "-" : " ") + group + (g.below(2) ? "-" : " ") + serial;
       }},
      {"decimal amounts",
       [](Gen& g) {
         switch (g.below(4)) {
           case 0:
             return std::to_string(g.below(100000000)) + "." + g.digits(2);
           case 1:
             return "$" + std::to_string(g.between(1, 999)) + "," + g.digits(3) + "," +
                    g.digits(3) + "." + g.digits(2);
           case 2:
             return "-0.000" + g.digits(g.between(3, 12));
           default:
             return "+" + std::to_string(g.between(1, 99999)) + "." + g.digits(g.between(2, 8));
         }
       }},
      {"IP addresses",
       [](Gen& g) {
         if (g.below(3) == 0) {
           return g.hex(4) + ":" + g.hex(4) + "::" + g.hex(4) + ":" + g.hex(4);
         }
         std::string ip = std::to_string(g.below(256)) + "." + std::to_string(g.below(256)) + "." +
                          std::to_string(g.below(256)) + "." + std::to_string(g.below(256));
         if (g.below(2)) ip += ":" + std::to_string(g.between(1, 65535));
         return ip;
       }},
      {"hex hashes",
       [](Gen& g) {
         return g.hex(g.pick<size_t>({32, 40, 64}));
       }},
      {"bare phone-length digits",
       [](Gen& g) {
         return g.digits(g.pick<size_t>({7, 10, 11, 12}));
       }},
      {"identifiers and file names",
       [](Gen& g) {
         switch (g.below(5)) {
           case 0:
             return "img_" + g.digits(4) + "@" + std::to_string(g.between(2, 3)) + "x.png";
           case 1:
             return "pkg@" + std::to_string(g.below(10)) + "." + std::to_string(g.below(30)) + ".0";
           case 2:
             return "978-" + g.digits(1) + "-" + g.digits(2) + "-" + g.digits(6) + "-" +
                    g.digits(1);
           case 3:
             return "1Z" + g.hex(6) + g.digits(10);
           default:
             return "user_" + g.digits(9) + "@localhost";
         }
       }},
      {"dates and times, other layouts",
       [](Gen& g) {
         const std::string d = g.pad(g.between(1, 28), 2), m = g.pad(g.between(1, 12), 2),
                           y = std::to_string(g.between(1950, 2035));
         switch (g.below(5)) {
           case 0:
             return d + "." + m + "." + y;
           case 1:
             return m + "/" + d + "/" + y;
           case 2:
             return y + "." + m + "." + d + " " + g.pad(g.below(24), 2) + ":" +
                    g.pad(g.below(60), 2);
           case 3:
             return g.pad(g.below(24), 2) + ":" + g.pad(g.below(60), 2) + ":" +
                    g.pad(g.below(60), 2) + "." + g.digits(6);
           default:
             return y + m + d + "T" + g.digits(6) + "Z";
         }
       }},
      {"IBAN-shaped, bad check digits",
       [](Gen& g) {
         std::string bban = g.digits(18);
         std::string s;
         do {
           s = "DE" + g.pad(g.below(100), 2) + bban;
         } while (find_iban(s));
         return s;
       }},
  };
}

TEST(FalsePositives, LookAlikeCorpusStaysUnderOneInAThousand) {
  auto set = DetectorSet::build(std::vector<std::string>{
      "credit_card", "us_ssn", "email", "phone", "iban", "aws_access_key", "jwt", "private_key"});
  ASSERT_TRUE(set.ok());
  Gen g(20240229);
  const auto cats = look_alikes();
  constexpr int kPerCategory = 8000;
  size_t total = 0, hits = 0;
  for (const Category& c : cats) {
    size_t cat_hits = 0;
    std::string example;
    for (int i = 0; i < kPerCategory; ++i) {
      std::string v = c.make(g);
      if (g.below(4) == 0) v = "ref " + v + " noted";  // sometimes inside text
      if (set->detect(v)) {
        ++cat_hits;
        if (example.empty()) example = v;
      }
    }
    std::printf("[ false positives ] %-32s %5zu / %d%s%s\n", c.name, cat_hits, kPerCategory,
                example.empty() ? "" : "  e.g. ", example.c_str());
    total += kPerCategory;
    hits += cat_hits;
  }
  const double rate = static_cast<double>(hits) / static_cast<double>(total);
  std::printf("[ false positives ] total %zu of %zu look-alikes = %.4f%%\n", hits, total,
              rate * 100);
  // Not counted above, for the record: card-length numbers with no checksum filter (numeric
  // ids). About one in ten passes Luhn, and those with an issuer prefix are indistinguishable
  // from card numbers.
  size_t raw_hits = 0;
  for (int i = 0; i < kPerCategory; ++i) {
    if (set->detect(g.digits(static_cast<size_t>(g.between(13, 19))))) ++raw_hits;
  }
  std::printf("[ for the record  ] random 13-19 digit numbers, any checksum: %zu / %d\n", raw_hits,
              kPerCategory);
  RecordProperty("false_positives", static_cast<int>(hits));
  RecordProperty("look_alikes", static_cast<int>(total));
  EXPECT_GE(total, 100000u);
  EXPECT_LT(rate, 0.001);
}

TEST(FalsePositives, GeneratedRealValuesAreAllFound) {
  auto set = DetectorSet::build(std::vector<std::string>{"credit_card", "us_ssn", "iban"});
  ASSERT_TRUE(set.ok());
  Gen g(7);
  const std::vector<std::pair<std::string, size_t>> schemes = {
      {"4", 16},  {"4", 13},    {"51", 16}, {"55", 16},   {"2221", 16}, {"34", 15},
      {"37", 15}, {"6011", 16}, {"65", 19}, {"3530", 16}, {"36", 14},   {"62", 17}};
  size_t missed = 0, n = 0;
  for (int i = 0; i < 3000; ++i, ++n) {
    const auto& [prefix, len] = schemes[static_cast<size_t>(i) % schemes.size()];
    std::string card = with_check_digit(prefix + g.digits(len - prefix.size() - 1), true);
    if (len == 16 && i % 2) {
      card = card.substr(0, 4) + "-" + card.substr(4, 4) + "-" + card.substr(8, 4) + "-" +
             card.substr(12);
    }
    if (!set->detect("paid with " + card + ".")) {
      ++missed;
      ADD_FAILURE() << card;
    }
  }
  for (int i = 0; i < 3000; ++i, ++n) {
    const std::string ssn = g.pad(g.between(1, 665), 3) + "-" + g.pad(g.between(1, 99), 2) + "-" +
                            g.pad(g.between(1, 9999), 4);
    if (!set->detect("ssn " + ssn)) {
      ++missed;
      ADD_FAILURE() << ssn;
    }
  }
  for (int i = 0; i < 3000; ++i, ++n) {
    const std::string bban = g.digits(18);
    std::string iban;
    for (int cd = 2; cd <= 98 && iban.empty(); ++cd) {
      const std::string s = "DE" + g.pad(cd, 2) + bban;
      if (find_iban(s)) iban = s;
    }
    if (iban.empty() || !set->detect("IBAN: " + iban)) {
      ++missed;
      ADD_FAILURE() << iban;
    }
  }
  std::printf("[ true positives  ] missed %zu of %zu generated cards, SSNs and IBANs\n", missed, n);
  EXPECT_EQ(missed, 0u);
}

}  // namespace
}  // namespace gh::masking
