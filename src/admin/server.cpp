#include "admin/server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

namespace gh::admin {

namespace {

bool has_body_method(const std::string& m) {
  return m == "POST" || m == "PUT" || m == "PATCH" || m == "DELETE";
}

HttpRequest to_request(const httplib::Request& req) {
  HttpRequest r;
  r.method = req.method;
  r.path = req.path;
  for (const auto& [k, v] : req.params) r.params.emplace_back(k, v);
  for (const auto& [k, v] : req.headers) r.headers.emplace_back(k, v);
  r.body = req.body;
  r.client = req.remote_addr + ":" + std::to_string(req.remote_port);
  return r;
}

void apply(const HttpResponse& from, httplib::Response& to) {
  to.status = from.status;
  for (const auto& [k, v] : from.headers) to.set_header(k, v);
  to.set_content(from.body, from.content_type.c_str());
}

struct ErrorText {
  std::string_view code;
  std::string_view message;
};

// The errors httplib produces itself, as JSON error codes and messages.
ErrorText error_for(int status) {
  switch (status) {
    case 404:
      return {"not_found", "no such endpoint"};
    case 405:
      return {"method_not_allowed", "method not allowed"};
    case 413:
      return {"payload_too_large", "the request body is larger than 1 MiB"};
    case 414:
      return {"uri_too_long", "the request line or a header is too long"};
    case 416:
      return {"range_not_satisfiable", "range not satisfiable"};
    default:
      if (status >= 500) return {"internal", "internal error; see the gatehouse log"};
      return {"bad_request", "malformed HTTP request"};
  }
}

}  // namespace

Result<std::unique_ptr<AdminServer>> AdminServer::bind(const config::AdminConfig& cfg,
                                                       Router& router) {
  std::unique_ptr<httplib::Server> server;
  if (cfg.tls) {
    auto tls = std::make_unique<httplib::SSLServer>(cfg.tls->cert_file.c_str(),
                                                    cfg.tls->key_file.c_str());
    if (!tls->is_valid()) {
      return Status::Invalid("admin.tls: cannot load the certificate '" + cfg.tls->cert_file +
                             "' and key '" + cfg.tls->key_file + "'");
    }
    server = std::move(tls);
  } else {
    server = std::make_unique<httplib::Server>();
  }
  server->new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  server->set_payload_max_length(kMaxBodyBytes);
  server->set_read_timeout(10, 0);
  server->set_write_timeout(10, 0);
  server->set_keep_alive_timeout(5);
  server->set_keep_alive_max_count(100);

  auto answer = [&router](const httplib::Request& req, httplib::Response& res) {
    HttpResponse r = router.handle(to_request(req));
    spdlog::debug("admin API: {} {} -> {}", req.method, req.path, r.status);
    apply(r, res);
  };
  // Requests without a body are answered here, before httplib matches a path (its
  // patterns are std::regex, which recurses per character). Requests with a body go on
  // so that httplib reads it (bounded by kMaxBodyBytes), then to the handlers below.
  server->set_pre_routing_handler([answer](const httplib::Request& req, httplib::Response& res) {
    if (req.path.size() > kMaxPathBytes) {
      apply(json_error(414, "uri_too_long", "the path is longer than 2048 bytes"), res);
      return httplib::Server::HandlerResponse::Handled;
    }
    if (has_body_method(req.method)) return httplib::Server::HandlerResponse::Unhandled;
    answer(req, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  server->Post(".*", answer);
  server->Put(".*", answer);
  server->Patch(".*", answer);
  server->Delete(".*", answer);
  httplib::Server::HandlerWithResponse on_error = [](const httplib::Request&,
                                                     httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    ErrorText e = error_for(res.status);
    apply(json_error(res.status, e.code, e.message), res);
    return httplib::Server::HandlerResponse::Handled;
  };
  server->set_error_handler(std::move(on_error));
  server->set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
        spdlog::error("admin API: {} {}: internal error", req.method, req.path);
        apply(json_error(500, "internal", "internal error; see the gatehouse log"), res);
      });

  if (!server->bind_to_port(cfg.host, cfg.port)) {
    int err = errno;
    return Status::Io("admin.listen: cannot listen on " + cfg.listen + ": " +
                      (err != 0 ? std::strerror(err) : "bind failed"));
  }
  return std::unique_ptr<AdminServer>(new AdminServer(std::move(server), cfg.port));
}

AdminServer::AdminServer(std::unique_ptr<httplib::Server> server, int port)
    : server_(std::move(server)), port_(port) {}

AdminServer::~AdminServer() { stop(); }

void AdminServer::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    if (!server_->listen_after_bind()) spdlog::error("admin API: the listener stopped");
  });
}

void AdminServer::stop() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace gh::admin
