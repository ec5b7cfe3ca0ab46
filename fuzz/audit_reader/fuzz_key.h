#pragma once

// A fixed Ed25519 key for fuzzing only: the committed corpus is signed with it, so the
// fuzzer starts from checkpoints that verify and reaches the checks behind them. It signs
// nothing else. (tests/unit/audit/fuzz_corpus_test.cpp writes the corpus with it.)

namespace gh::audit::fuzz {

inline constexpr char kPrivateKeyPem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIFe4I7720JR7gI7a7zOXXzY5ep84bM/csm5XEYKt1s/Y\n"
    "-----END PRIVATE KEY-----\n";

inline constexpr char kPublicKeyPem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEABJ/NUVLU7aU2+wghXXvbNX6N3MWq6PV0NueO5s4piXQ=\n"
    "-----END PUBLIC KEY-----\n";

}  // namespace gh::audit::fuzz
