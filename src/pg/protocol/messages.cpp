#include "pg/protocol/messages.h"

#include <algorithm>

#include "pg/protocol/reader.h"

namespace gh::pg {

bool parse_query(std::string_view body, QueryMessage& out) {
  BodyReader r(body);
  out.sql = r.cstr();
  return r.ok() && r.at_end();
}

bool parse_parse(std::string_view body, ParseMessage& out) {
  BodyReader r(body);
  out.statement = r.cstr();
  out.sql = r.cstr();
  out.param_type_count = r.u16();
  out.param_types = r.bytes(size_t{out.param_type_count} * 4);
  return r.ok() && r.at_end();
}

bool parse_bind(std::string_view body, BindMessage& out) {
  BodyReader r(body);
  out.portal = r.cstr();
  out.statement = r.cstr();
  out.format_count = r.u16();
  out.formats = r.bytes(size_t{out.format_count} * 2);
  out.param_count = r.u16();
  if (!r.ok()) return false;
  if (out.format_count > 1 && out.format_count != out.param_count) return false;
  std::string_view params_start = r.rest();
  BodyReader p(params_start);
  for (uint16_t i = 0; i < out.param_count; ++i) {
    int32_t len = p.i32();
    if (len < -1) return false;
    if (len > 0) p.bytes(static_cast<size_t>(len));
    if (!p.ok()) return false;
  }
  size_t params_len = params_start.size() - p.remaining();
  out.params = params_start.substr(0, params_len);
  out.result_format_count = p.u16();
  out.result_formats = p.bytes(size_t{out.result_format_count} * 2);
  return p.ok() && p.at_end();
}

bool bind_params(const BindMessage& bind, std::vector<BindParam>& out) {
  out.clear();
  // parse_bind guarantees these; a hand-made BindMessage must not read past `formats`.
  if (bind.formats.size() < size_t{bind.format_count} * 2) return false;
  if (bind.format_count > 1 && bind.format_count != bind.param_count) return false;
  // Each parameter takes at least its 4-byte length.
  out.reserve(std::min<size_t>(bind.param_count, bind.params.size() / 4));
  BodyReader p(bind.params);
  for (uint16_t i = 0; i < bind.param_count; ++i) {
    BindParam bp;
    int32_t len = p.i32();
    if (len == -1) {
      bp.is_null = true;
    } else if (len >= 0) {
      bp.value = p.bytes(static_cast<size_t>(len));
    } else {
      return false;
    }
    int16_t fmt = 0;
    if (bind.format_count == 1) {
      fmt = static_cast<int16_t>(read_u16(bind.formats.data()));
    } else if (bind.format_count > 1) {
      fmt = static_cast<int16_t>(read_u16(bind.formats.data() + 2 * i));
    }
    bp.binary = fmt == 1;
    if (!p.ok()) return false;
    out.push_back(bp);
  }
  return true;
}

bool parse_execute(std::string_view body, ExecuteMessage& out) {
  BodyReader r(body);
  out.portal = r.cstr();
  out.max_rows = r.u32();
  return r.ok() && r.at_end();
}

bool parse_target(std::string_view body, TargetMessage& out) {
  BodyReader r(body);
  out.kind = static_cast<char>(r.u8());
  out.name = r.cstr();
  return r.ok() && r.at_end() && (out.kind == 'S' || out.kind == 'P');
}

bool parse_error_fields(std::string_view body, ErrorFields& out) {
  out = ErrorFields{};  // a reused struct must not keep fields of the previous message
  BodyReader r(body);
  std::string_view severity_localized;
  while (true) {
    uint8_t field = r.u8();
    if (!r.ok()) return false;
    if (field == 0) break;
    std::string_view value = r.cstr();
    if (!r.ok()) return false;
    switch (field) {
      case 'S': severity_localized = value; break;
      case 'V': out.severity = value; break;
      case 'C': out.code = value; break;
      case 'M': out.message = value; break;
      case 'D': out.detail = value; break;
      default: break;
    }
  }
  if (out.severity.empty()) out.severity = severity_localized;
  return r.at_end();
}

bool parse_row_description(std::string_view body, std::vector<ColumnDescription>& out) {
  BodyReader r(body);
  uint16_t n = r.u16();
  out.clear();
  // Each field takes at least 19 bytes; reject counts the body cannot hold before
  // reserving anything.
  if (!r.ok() || size_t{n} * 19 > r.remaining()) return false;
  out.reserve(n);
  for (uint16_t i = 0; i < n; ++i) {
    ColumnDescription c;
    c.name = r.cstr();
    c.table_oid = r.u32();
    c.column = r.i16();
    c.type_oid = r.u32();
    c.type_size = r.i16();
    c.type_modifier = r.i32();
    c.format = r.i16();
    if (!r.ok()) return false;
    out.push_back(c);
  }
  return r.at_end();
}

bool validate_data_row(std::string_view body, uint16_t* columns) {
  BodyReader r(body);
  uint16_t n = r.u16();
  for (uint16_t i = 0; i < n && r.ok(); ++i) {
    int32_t len = r.i32();
    if (len < -1) return false;
    if (len > 0) r.bytes(static_cast<size_t>(len));
  }
  if (columns != nullptr) *columns = n;
  return r.ok() && r.at_end();
}

bool parse_backend_key_data(std::string_view body, BackendKeyData& out) {
  BodyReader r(body);
  out.pid = r.u32();
  out.secret = r.u32();
  return r.ok() && r.at_end();
}

bool parse_parameter_status(std::string_view body, ParameterStatus& out) {
  BodyReader r(body);
  out.name = r.cstr();
  out.value = r.cstr();
  return r.ok() && r.at_end();
}

bool parse_auth_request(std::string_view body, AuthRequest& out) {
  BodyReader r(body);
  out.code = r.i32();
  out.data = r.rest();
  return r.ok();
}

}  // namespace gh::pg
