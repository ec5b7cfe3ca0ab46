#include "pg/protocol/messages.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "pg/protocol/builders.h"
#include "pg/protocol/frame.h"

namespace gh::pg {
namespace {

// The body of the single message that `build` writes with a MessageWriter.
std::string body_of(char type, const std::function<void(MessageWriter&)>& build) {
  std::string out;
  {
    MessageWriter w(out, type);
    build(w);
  }
  return out.substr(5);
}

// Every strict prefix of a valid body is malformed, and so is the body with a byte
// appended: no parser may accept a truncated message or ignore trailing bytes.
template <typename Parse>
void expect_prefixes_and_trailing_rejected(const std::string& body, Parse parse) {
  for (size_t n = 0; n < body.size(); ++n) {
    EXPECT_FALSE(parse(std::string_view(body).substr(0, n))) << "prefix of " << n << " bytes";
  }
  EXPECT_FALSE(parse(body + 'x')) << "trailing byte";
  EXPECT_FALSE(parse(body + '\0')) << "trailing NUL";
}

// --- Query ---

TEST(Messages, Query) {
  std::string msg;
  build_query(msg, "select 1");
  QueryMessage q;
  ASSERT_TRUE(parse_query(std::string_view(msg).substr(5), q));
  EXPECT_EQ(q.sql, "select 1");
  std::string empty(1, '\0');
  ASSERT_TRUE(parse_query(empty, q));
  EXPECT_EQ(q.sql, "");
  expect_prefixes_and_trailing_rejected(msg.substr(5), [](std::string_view b) {
    QueryMessage m;
    return parse_query(b, m);
  });
}

// --- Parse ---

std::string parse_body(std::string_view name, std::string_view sql, std::vector<uint32_t> oids) {
  return body_of('P', [&](MessageWriter& w) {
    w.cstr(name).cstr(sql).u16(static_cast<uint16_t>(oids.size()));
    for (uint32_t oid : oids) w.u32(oid);
  });
}

TEST(Messages, Parse) {
  std::string body = parse_body("s1", "select $1::int, $2", {23, 25});
  ParseMessage p;
  ASSERT_TRUE(parse_parse(body, p));
  EXPECT_EQ(p.statement, "s1");
  EXPECT_EQ(p.sql, "select $1::int, $2");
  EXPECT_EQ(p.param_type_count, 2);
  expect_prefixes_and_trailing_rejected(body, [](std::string_view b) {
    ParseMessage m;
    return parse_parse(b, m);
  });
  std::string unnamed = parse_body("", "select 1", {});
  ASSERT_TRUE(parse_parse(unnamed, p));
  EXPECT_EQ(p.statement, "");
  EXPECT_EQ(p.param_type_count, 0);
  // A type count the body cannot hold.
  std::string lying = body_of('P', [](MessageWriter& w) { w.cstr("").cstr("x").u16(0xffff); });
  EXPECT_FALSE(parse_parse(lying, p));
}

// --- Bind ---

struct BindSpec {
  std::vector<int16_t> formats;
  std::vector<const char*> values;  // nullptr = NULL
  std::vector<int16_t> result_formats;
};

std::string bind_body(const BindSpec& s) {
  return body_of('B', [&](MessageWriter& w) {
    w.cstr("portal").cstr("stmt").u16(static_cast<uint16_t>(s.formats.size()));
    for (int16_t f : s.formats) w.u16(static_cast<uint16_t>(f));
    w.u16(static_cast<uint16_t>(s.values.size()));
    for (const char* v : s.values) {
      if (v == nullptr) {
        w.i32(-1);
      } else {
        w.i32(static_cast<int32_t>(std::string_view(v).size())).bytes(v);
      }
    }
    w.u16(static_cast<uint16_t>(s.result_formats.size()));
    for (int16_t f : s.result_formats) w.u16(static_cast<uint16_t>(f));
  });
}

TEST(Messages, BindNoFormatCodesMeansText) {
  std::string body = bind_body({{}, {"42", nullptr, ""}, {}});
  BindMessage b;
  ASSERT_TRUE(parse_bind(body, b));
  EXPECT_EQ(b.portal, "portal");
  EXPECT_EQ(b.statement, "stmt");
  EXPECT_EQ(b.format_count, 0);
  EXPECT_EQ(b.param_count, 3);
  EXPECT_EQ(b.result_format_count, 0);
  std::vector<BindParam> params;
  ASSERT_TRUE(bind_params(b, params));
  ASSERT_EQ(params.size(), 3u);
  EXPECT_EQ(params[0].value, "42");
  EXPECT_FALSE(params[0].is_null);
  EXPECT_FALSE(params[0].binary);
  EXPECT_TRUE(params[1].is_null);
  EXPECT_FALSE(params[2].is_null) << "empty string is not NULL";
  EXPECT_EQ(params[2].value, "");
  expect_prefixes_and_trailing_rejected(body, [](std::string_view x) {
    BindMessage m;
    return parse_bind(x, m);
  });
}

TEST(Messages, BindOneFormatCodeAppliesToAll) {
  std::string body = bind_body({{1}, {"ab", "cd"}, {1}});
  BindMessage b;
  ASSERT_TRUE(parse_bind(body, b));
  EXPECT_EQ(b.format_count, 1);
  EXPECT_EQ(b.result_format_count, 1);
  std::vector<BindParam> params;
  ASSERT_TRUE(bind_params(b, params));
  ASSERT_EQ(params.size(), 2u);
  EXPECT_TRUE(params[0].binary);
  EXPECT_TRUE(params[1].binary);
}

TEST(Messages, BindFormatCodePerParam) {
  std::string body = bind_body({{0, 1, 0}, {"t", "b", nullptr}, {0, 1}});
  BindMessage b;
  ASSERT_TRUE(parse_bind(body, b));
  EXPECT_EQ(b.result_format_count, 2);
  EXPECT_EQ(b.result_formats.size(), 4u);
  std::vector<BindParam> params;
  ASSERT_TRUE(bind_params(b, params));
  ASSERT_EQ(params.size(), 3u);
  EXPECT_FALSE(params[0].binary);
  EXPECT_TRUE(params[1].binary);
  EXPECT_TRUE(params[2].is_null);
  expect_prefixes_and_trailing_rejected(body, [](std::string_view x) {
    BindMessage m;
    return parse_bind(x, m);
  });
}

TEST(Messages, BindZeroParams) {
  std::string body = bind_body({{}, {}, {}});
  BindMessage b;
  ASSERT_TRUE(parse_bind(body, b));
  std::vector<BindParam> params{{}, {}};  // stale contents are cleared
  ASSERT_TRUE(bind_params(b, params));
  EXPECT_TRUE(params.empty());
}

TEST(Messages, BindRejectsMalformed) {
  BindMessage b;
  // Format count neither 0, 1 nor the parameter count.
  EXPECT_FALSE(parse_bind(bind_body({{0, 1}, {"a", "b", "c"}, {}}), b));
  // Negative length other than -1.
  std::string neg =
      body_of('B', [](MessageWriter& w) { w.cstr("").cstr("").u16(0).u16(1).i32(-2).u16(0); });
  EXPECT_FALSE(parse_bind(neg, b));
  // A length past the end of the body.
  std::string past = body_of('B', [](MessageWriter& w) {
    w.cstr("").cstr("").u16(0).u16(1).i32(0x7fffffff).bytes("abc").u16(0);
  });
  EXPECT_FALSE(parse_bind(past, b));
  // A huge parameter count with nothing behind it.
  std::string huge = body_of('B', [](MessageWriter& w) { w.cstr("").cstr("").u16(0).u16(0xffff); });
  EXPECT_FALSE(parse_bind(huge, b));
}

TEST(Messages, BindParamsRejectsInconsistentHandMadeBind) {
  std::vector<BindParam> params;
  BindMessage b;
  b.format_count = 1;  // but no format bytes
  EXPECT_FALSE(bind_params(b, params));
  b = BindMessage{};
  b.format_count = 2;
  b.formats = std::string_view("\0\0\0\1", 4);
  b.param_count = 3;
  EXPECT_FALSE(bind_params(b, params));
  b = BindMessage{};
  b.param_count = 0xffff;  // params empty: fails without a big allocation
  EXPECT_FALSE(bind_params(b, params));
  EXPECT_LT(params.capacity(), 16u);
}

// --- Execute ---

TEST(Messages, Execute) {
  std::string body = body_of('E', [](MessageWriter& w) { w.cstr("p1").u32(100); });
  ExecuteMessage e;
  ASSERT_TRUE(parse_execute(body, e));
  EXPECT_EQ(e.portal, "p1");
  EXPECT_EQ(e.max_rows, 100u);
  expect_prefixes_and_trailing_rejected(body, [](std::string_view x) {
    ExecuteMessage m;
    return parse_execute(x, m);
  });
}

// --- Describe / Close ---

TEST(Messages, Target) {
  for (char kind : {'S', 'P'}) {
    std::string body = body_of('D', [&](MessageWriter& w) { w.u8(kind).cstr("name"); });
    TargetMessage t;
    ASSERT_TRUE(parse_target(body, t));
    EXPECT_EQ(t.kind, kind);
    EXPECT_EQ(t.name, "name");
    expect_prefixes_and_trailing_rejected(body, [](std::string_view x) {
      TargetMessage m;
      return parse_target(x, m);
    });
  }
  TargetMessage t;
  EXPECT_FALSE(parse_target(std::string("X\0", 2), t)) << "kind must be S or P";
  std::string unnamed("S\0", 2);
  EXPECT_TRUE(parse_target(unnamed, t));
  EXPECT_EQ(t.name, "");
}

// --- ErrorResponse / NoticeResponse ---

TEST(Messages, ErrorFields) {
  std::string msg;
  build_error(msg, "ERROR", "42501", "permission denied", "rule x", "ask an admin");
  ErrorFields e;
  ASSERT_TRUE(parse_error_fields(std::string_view(msg).substr(5), e));
  EXPECT_EQ(e.severity, "ERROR");
  EXPECT_EQ(e.code, "42501");
  EXPECT_EQ(e.message, "permission denied");
  EXPECT_EQ(e.detail, "rule x");
  expect_prefixes_and_trailing_rejected(msg.substr(5), [](std::string_view x) {
    ErrorFields m;
    return parse_error_fields(x, m);
  });
}

TEST(Messages, ErrorFieldsPreferNonLocalizedSeverity) {
  std::string body = body_of('E', [](MessageWriter& w) {
    w.u8('S').cstr("FEHLER").u8('V').cstr("ERROR").u8('C').cstr("XX000").u8(0);
  });
  ErrorFields e;
  ASSERT_TRUE(parse_error_fields(body, e));
  EXPECT_EQ(e.severity, "ERROR");
  body = body_of('E', [](MessageWriter& w) { w.u8('S').cstr("FEHLER").u8(0); });
  ASSERT_TRUE(parse_error_fields(body, e));
  EXPECT_EQ(e.severity, "FEHLER");
  // Unknown fields are skipped; an empty list is valid.
  body = body_of('N', [](MessageWriter& w) { w.u8('q').cstr("?").u8('M').cstr("hi").u8(0); });
  ASSERT_TRUE(parse_error_fields(body, e));
  EXPECT_EQ(e.message, "hi");
  ASSERT_TRUE(parse_error_fields(std::string(1, '\0'), e));
}

TEST(Messages, ErrorFieldsReusedStructIsReset) {
  std::string first;
  build_error(first, "ERROR", "42501", "denied", "some detail");
  std::string second;
  build_error(second, "NOTICE", "00000", "hello", {}, {}, 'N');
  ErrorFields e;
  ASSERT_TRUE(parse_error_fields(std::string_view(first).substr(5), e));
  EXPECT_EQ(e.detail, "some detail");
  ASSERT_TRUE(parse_error_fields(std::string_view(second).substr(5), e));
  EXPECT_EQ(e.severity, "NOTICE");
  EXPECT_EQ(e.detail, "") << "detail of the previous message leaked";
}

// --- RowDescription ---

std::string row_description(const std::vector<std::string>& names) {
  return body_of('T', [&](MessageWriter& w) {
    w.u16(static_cast<uint16_t>(names.size()));
    for (size_t i = 0; i < names.size(); ++i) {
      w.cstr(names[i]).u32(16384).u16(static_cast<uint16_t>(i + 1)).u32(25).u16(0xffff);
      w.i32(-1).u16(0);
    }
  });
}

TEST(Messages, RowDescription) {
  std::string body = row_description({"id", "email", ""});
  std::vector<ColumnDescription> cols;
  ASSERT_TRUE(parse_row_description(body, cols));
  ASSERT_EQ(cols.size(), 3u);
  EXPECT_EQ(cols[0].name, "id");
  EXPECT_EQ(cols[1].name, "email");
  EXPECT_EQ(cols[1].table_oid, 16384u);
  EXPECT_EQ(cols[1].column, 2);
  EXPECT_EQ(cols[1].type_oid, 25u);
  EXPECT_EQ(cols[1].type_size, -1);
  EXPECT_EQ(cols[1].type_modifier, -1);
  EXPECT_EQ(cols[1].format, 0);
  EXPECT_EQ(cols[2].name, "");
  expect_prefixes_and_trailing_rejected(body, [](std::string_view x) {
    std::vector<ColumnDescription> m;
    return parse_row_description(x, m);
  });
  std::string none = row_description({});
  ASSERT_TRUE(parse_row_description(none, cols));
  EXPECT_TRUE(cols.empty());
}

TEST(Messages, RowDescriptionAbsurdCountDoesNotAllocate) {
  std::string body = body_of('T', [](MessageWriter& w) { w.u16(0xffff).bytes("abc"); });
  std::vector<ColumnDescription> cols;
  EXPECT_FALSE(parse_row_description(body, cols));
  EXPECT_EQ(cols.capacity(), 0u);
  // A count that fits the minimum size but whose names eat the body.
  body = body_of('T', [](MessageWriter& w) {
    w.u16(2).cstr(std::string(40, 'n')).u32(0).u16(0).u32(0).u16(0).i32(0).u16(0);
  });
  EXPECT_FALSE(parse_row_description(body, cols));
  EXPECT_LE(cols.capacity(), 2u);
}

// --- DataRow ---

std::string data_row(const std::vector<const char*>& values) {
  return body_of('D', [&](MessageWriter& w) {
    w.u16(static_cast<uint16_t>(values.size()));
    for (const char* v : values) {
      if (v == nullptr) {
        w.i32(-1);
      } else {
        w.i32(static_cast<int32_t>(std::string_view(v).size())).bytes(v);
      }
    }
  });
}

TEST(Messages, DataRow) {
  std::string body = data_row({"1", nullptr, "", "alice@example.com"});
  uint16_t columns = 0;
  ASSERT_TRUE(validate_data_row(body, &columns));
  EXPECT_EQ(columns, 4);
  EXPECT_TRUE(validate_data_row(body, nullptr));
  expect_prefixes_and_trailing_rejected(body, [](std::string_view x) {
    uint16_t n = 0;
    return validate_data_row(x, &n);
  });
  ASSERT_TRUE(validate_data_row(data_row({}), &columns));
  EXPECT_EQ(columns, 0);
}

TEST(Messages, DataRowRejectsBadLengths) {
  uint16_t columns = 0;
  std::string neg = body_of('D', [](MessageWriter& w) { w.u16(1).i32(-2); });
  EXPECT_FALSE(validate_data_row(neg, &columns));
  std::string past = body_of('D', [](MessageWriter& w) { w.u16(1).i32(10).bytes("short"); });
  EXPECT_FALSE(validate_data_row(past, &columns));
  std::string many = body_of('D', [](MessageWriter& w) { w.u16(0xffff).i32(-1); });
  EXPECT_FALSE(validate_data_row(many, &columns));
  std::string huge = body_of('D', [](MessageWriter& w) { w.u16(1).i32(0x7fffffff); });
  EXPECT_FALSE(validate_data_row(huge, &columns));
}

// --- BackendKeyData, ParameterStatus, Authentication ---

TEST(Messages, BackendKeyData) {
  std::string msg;
  build_backend_key_data(msg, 1234, 0xcafef00d);
  BackendKeyData k;
  ASSERT_TRUE(parse_backend_key_data(std::string_view(msg).substr(5), k));
  EXPECT_EQ(k.pid, 1234u);
  EXPECT_EQ(k.secret, 0xcafef00du);
  expect_prefixes_and_trailing_rejected(msg.substr(5), [](std::string_view x) {
    BackendKeyData m;
    return parse_backend_key_data(x, m);
  });
}

TEST(Messages, ParameterStatus) {
  std::string msg;
  build_parameter_status(msg, "server_version", "15.4");
  ParameterStatus p;
  ASSERT_TRUE(parse_parameter_status(std::string_view(msg).substr(5), p));
  EXPECT_EQ(p.name, "server_version");
  EXPECT_EQ(p.value, "15.4");
  expect_prefixes_and_trailing_rejected(msg.substr(5), [](std::string_view x) {
    ParameterStatus m;
    return parse_parameter_status(x, m);
  });
}

TEST(Messages, AuthRequest) {
  AuthRequest a;
  std::string msg;
  build_auth_request(msg, auth::kOk);
  ASSERT_TRUE(parse_auth_request(std::string_view(msg).substr(5), a));
  EXPECT_EQ(a.code, auth::kOk);
  EXPECT_TRUE(a.data.empty());

  msg.clear();
  build_auth_request(msg, auth::kMd5, std::string_view("\x01\x02\x03\x04", 4));
  ASSERT_TRUE(parse_auth_request(std::string_view(msg).substr(5), a));
  EXPECT_EQ(a.code, auth::kMd5);
  EXPECT_EQ(a.data, std::string_view("\x01\x02\x03\x04", 4));

  msg.clear();
  build_auth_request(msg, auth::kSasl, std::string_view("SCRAM-SHA-256\0\0", 15));
  ASSERT_TRUE(parse_auth_request(std::string_view(msg).substr(5), a));
  EXPECT_EQ(a.code, auth::kSasl);
  EXPECT_EQ(a.data.size(), 15u);

  for (size_t n = 0; n < 4; ++n) {
    EXPECT_FALSE(parse_auth_request(std::string("\0\0\0", n), a)) << n;
  }
}

}  // namespace
}  // namespace gh::pg
