#pragma once

// Views of the messages gatehouse looks inside. Each parse_* takes a message body
// (after the 5-byte header) and returns false when it is malformed; on success the
// views point into the body.

#include <cstdint>
#include <string_view>
#include <vector>

namespace gh::pg {

// Message type bytes.
namespace msg {
// client -> server
inline constexpr char kQuery = 'Q', kParse = 'P', kBind = 'B', kExecute = 'E', kDescribe = 'D',
                      kClose = 'C', kSync = 'S', kFlush = 'H', kFunctionCall = 'F',
                      kCopyData = 'd', kCopyDone = 'c', kCopyFail = 'f', kTerminate = 'X',
                      kPassword = 'p';
// server -> client
inline constexpr char kAuthentication = 'R', kBackendKeyData = 'K', kParameterStatus = 'S',
                      kReadyForQuery = 'Z', kRowDescription = 'T', kDataRow = 'D',
                      kCommandComplete = 'C', kEmptyQuery = 'I', kErrorResponse = 'E',
                      kNoticeResponse = 'N', kParseComplete = '1', kBindComplete = '2',
                      kCloseComplete = '3', kNoData = 'n', kPortalSuspended = 's',
                      kParameterDescription = 't', kCopyInResponse = 'G',
                      kCopyOutResponse = 'H', kCopyBothResponse = 'W', kNotification = 'A',
                      kFunctionCallResponse = 'V', kNegotiateProtocolVersion = 'v';
}  // namespace msg

// Authentication request codes.
namespace auth {
inline constexpr int32_t kOk = 0, kCleartext = 3, kMd5 = 5, kSasl = 10, kSaslContinue = 11,
                         kSaslFinal = 12;
}

struct QueryMessage {
  std::string_view sql;
};
bool parse_query(std::string_view body, QueryMessage& out);

struct ParseMessage {
  std::string_view statement;  // "" = unnamed
  std::string_view sql;
  uint16_t param_type_count = 0;
  std::string_view param_types;  // param_type_count big-endian int32 type OIDs
};
bool parse_parse(std::string_view body, ParseMessage& out);

// Bind: parameter values are walked lazily, so binding costs nothing unless someone
// looks at the values.
struct BindMessage {
  std::string_view portal;
  std::string_view statement;
  uint16_t format_count = 0;
  std::string_view formats;  // format_count big-endian int16s
  uint16_t param_count = 0;
  std::string_view params;   // param_count (int32 length, bytes) pairs; -1 = NULL
  uint16_t result_format_count = 0;
  std::string_view result_formats;
};
bool parse_bind(std::string_view body, BindMessage& out);

struct BindParam {
  bool is_null = false;
  bool binary = false;
  std::string_view value;
};
// Decodes all parameters of a parsed Bind (for recording); false if malformed.
bool bind_params(const BindMessage& bind, std::vector<BindParam>& out);

struct ExecuteMessage {
  std::string_view portal;
  uint32_t max_rows = 0;
};
bool parse_execute(std::string_view body, ExecuteMessage& out);

// Describe and Close: 'S' statement or 'P' portal, and its name.
struct TargetMessage {
  char kind = 0;
  std::string_view name;
};
bool parse_target(std::string_view body, TargetMessage& out);

// ErrorResponse / NoticeResponse fields.
struct ErrorFields {
  std::string_view severity;  // 'V' (non-localized) when present, else 'S'
  std::string_view code;      // 'C' SQLSTATE
  std::string_view message;   // 'M'
  std::string_view detail;    // 'D'
};
bool parse_error_fields(std::string_view body, ErrorFields& out);

struct ColumnDescription {
  std::string_view name;
  uint32_t table_oid = 0;
  int16_t column = 0;
  uint32_t type_oid = 0;
  int16_t type_size = 0;
  int32_t type_modifier = 0;
  int16_t format = 0;
};
bool parse_row_description(std::string_view body, std::vector<ColumnDescription>& out);

// Counts the columns of a DataRow and checks its structure (for fuzzing and rewriting).
bool validate_data_row(std::string_view body, uint16_t* columns);

struct BackendKeyData {
  uint32_t pid = 0;
  uint32_t secret = 0;
};
bool parse_backend_key_data(std::string_view body, BackendKeyData& out);

struct ParameterStatus {
  std::string_view name;
  std::string_view value;
};
bool parse_parameter_status(std::string_view body, ParameterStatus& out);

// Authentication request: code and the data after it.
struct AuthRequest {
  int32_t code = -1;
  std::string_view data;
};
bool parse_auth_request(std::string_view body, AuthRequest& out);

}  // namespace gh::pg
