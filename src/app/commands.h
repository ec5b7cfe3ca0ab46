#pragma once

#include <string>
#include <vector>

namespace gh::app {

// Each subcommand takes the arguments after its name and returns the exit code.
int run_serve(const std::vector<std::string>& args);
int run_check(const std::vector<std::string>& args);
int run_keys(const std::vector<std::string>& args);
int run_audit(const std::vector<std::string>& args);
int run_sessions(const std::vector<std::string>& args);
int run_evidence(const std::vector<std::string>& args);
int run_policy(const std::vector<std::string>& args);
int run_reviews(const std::vector<std::string>& args);
int run_access(const std::vector<std::string>& args);

}  // namespace gh::app
