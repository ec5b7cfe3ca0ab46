#pragma once

// A throwaway PostgreSQL cluster for tests: initdb into a temp dir, TCP on 127.0.0.1 with
// SCRAM password auth, stopped and deleted at the end. PostgreSQL refuses to run as root,
// so as root the server runs as the `postgres` OS user (GH_IT_PG_OS_USER overrides it).
// Binaries come from GH_IT_PG_BIN (default /usr/lib/postgresql/15/bin). Every wait is
// bounded; the server gets SIGQUIT if the test process dies.

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto.h"

namespace gh::credentials::test {

class PgTestCluster {
 public:
  PgTestCluster() = default;
  PgTestCluster(const PgTestCluster&) = delete;
  PgTestCluster& operator=(const PgTestCluster&) = delete;
  ~PgTestCluster() { stop(); }

  // Empty on success, else why the cluster could not be started.
  std::string start() {
    const char* env_bin = std::getenv("GH_IT_PG_BIN");
    bin_ = env_bin ? env_bin : "/usr/lib/postgresql/15/bin";
    for (const char* tool : {"initdb", "postgres"}) {
      if (::access((bin_ + "/" + tool).c_str(), X_OK) != 0) {
        return "PostgreSQL server binaries not found: " + bin_ + "/" + tool +
               " is missing (install postgresql-15, or point GH_IT_PG_BIN at its bin dir)";
      }
    }
    if (::geteuid() == 0) {
      const char* os_user = std::getenv("GH_IT_PG_OS_USER");
      std::string name = os_user ? os_user : "postgres";
      passwd* pw = ::getpwnam(name.c_str());
      if (pw == nullptr)
        return "running as root but there is no OS user '" + name +
               "' to run "
               "PostgreSQL as (set GH_IT_PG_OS_USER)";
      uid_ = pw->pw_uid;
      gid_ = pw->pw_gid;
      drop_privileges_ = true;
    }
    char tmpl[] = "/tmp/gh-credentials-pg-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return "mkdtemp failed";
    dir_ = tmpl;
    std::array<uint8_t, 16> pw{};
    crypto::random_bytes(pw);
    superuser_password_ = crypto::to_hex(pw);
    write_file(dir_ + "/su.pw", superuser_password_ + "\n");
    if (drop_privileges_) {
      if (::chown(dir_.c_str(), uid_, gid_) != 0 ||
          ::chown((dir_ + "/su.pw").c_str(), uid_, gid_) != 0) {
        return "cannot chown " + dir_ + " to the PostgreSQL OS user";
      }
    }
    port_ = free_port();
    std::string out = run_bounded({bin_ + "/initdb", "-D", data(), "-U", "postgres", "-E", "UTF8",
                                   "--no-instructions", "--no-sync", "--auth-local=trust",
                                   "--auth-host=scram-sha-256", "--pwfile=" + dir_ + "/su.pw"},
                                  dir_ + "/initdb.log", std::chrono::seconds(60));
    if (!out.empty()) return "initdb " + out + ": " + read_file(dir_ + "/initdb.log");
    append_file(data() + "/postgresql.conf",
                "\n# gatehouse credentials tests\n"
                "listen_addresses = '127.0.0.1'\n"
                "port = " +
                    std::to_string(port_) +
                    "\n"
                    "unix_socket_directories = ''\n"
                    "max_connections = 30\n"
                    "shared_buffers = 32MB\n"
                    "fsync = off\n"
                    "synchronous_commit = off\n"
                    "full_page_writes = off\n"
                    "log_statement = 'all'\n"  // lets tests check what reached the server log
                    "password_encryption = 'scram-sha-256'\n");
    write_file(data() + "/pg_hba.conf", "host all all 127.0.0.1/32 scram-sha-256\n");
    pid_ = spawn({bin_ + "/postgres", "-D", data()}, log_path());
    if (pid_ < 0) return "cannot start postgres";
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::string ping = conninfo("postgres", superuser_password_) + " connect_timeout=2";
    while (PQping(ping.c_str()) != PQPING_OK) {
      int st;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        return "postgres exited during startup: " + read_file(log_path());
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return "postgres did not accept connections within 30 s: " + read_file(log_path());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return "";
  }

  void stop() {
    if (pid_ > 0) {
      // fast shutdown, then immediate, then kill
      for (int sig : {SIGINT, SIGQUIT, SIGKILL}) {
        ::kill(pid_, sig);
        if (wait_exit(pid_, std::chrono::seconds(10))) break;
      }
      pid_ = -1;
    }
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      dir_.clear();
    }
  }

  uint16_t port() const { return port_; }
  const std::string& superuser_password() const { return superuser_password_; }
  std::string log_path() const { return dir_ + "/postgres.log"; }
  std::string server_log() const { return read_file(log_path()); }
  std::string conninfo(const std::string& user, const std::string& password,
                       const std::string& db = "postgres") const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=" + db + " user=" + user +
           " password=" + password + " sslmode=disable";
  }

 private:
  std::string data() const { return dir_ + "/data"; }

  static uint16_t free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), len);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
  }

  static void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::trunc) << text;
  }
  static void append_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::app) << text;
  }
  static std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // fork + exec as the PostgreSQL OS user, output to `log`; the child gets SIGQUIT if we die.
  pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::string lc = "LC_ALL=C.UTF-8", lang = "LANG=C.UTF-8", path = "PATH=/usr/bin:/bin";
    char* envp[] = {lc.data(), lang.data(), path.data(), nullptr};
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    if (drop_privileges_ && ::fchown(fd, uid_, gid_) != 0) {
      ::close(fd);
      return -1;
    }
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid == 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      int devnull = ::open("/dev/null", O_RDONLY);
      ::dup2(devnull, 0);
      if (::chdir("/") != 0) ::_exit(127);
      if (drop_privileges_ &&
          (::setgroups(0, nullptr) != 0 || ::setgid(gid_) != 0 || ::setuid(uid_) != 0)) {
        ::_exit(126);
      }
      // After setuid: changing credentials clears the parent-death signal.
      ::prctl(PR_SET_PDEATHSIG, SIGQUIT);
      if (::getppid() != parent) ::_exit(127);
      ::execve(args[0], args.data(), envp);
      ::_exit(127);
    }
    ::close(fd);
    return pid;
  }

  static bool wait_exit(pid_t pid, std::chrono::seconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      int st;
      pid_t r = ::waitpid(pid, &st, WNOHANG);
      if (r == pid || r < 0) return true;
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // Empty on success, else what went wrong.
  std::string run_bounded(const std::vector<std::string>& argv, const std::string& log,
                          std::chrono::seconds limit) {
    pid_t pid = spawn(argv, log);
    if (pid < 0) return "could not be started";
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      int st = 0;
      if (::waitpid(pid, &st, WNOHANG) == pid) {
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return "";
        return "failed (status " + std::to_string(st) + ")";
      }
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid, SIGKILL);
        wait_exit(pid, std::chrono::seconds(5));
        return "timed out after " + std::to_string(limit.count()) + " s";
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  std::string bin_;
  std::string dir_;
  std::string superuser_password_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
  bool drop_privileges_ = false;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
};

}  // namespace gh::credentials::test
