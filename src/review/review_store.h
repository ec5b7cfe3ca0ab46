#pragma once

// Review requests in the state store: each change is saved (store::StoredReview, the request
// as JSON), and a restarted gatehouse loads the pending ones and the recent decisions back.

#include <optional>

#include "review/review_book.h"
#include "store/state_store.h"

namespace gh::review {

// The request as JSON: the state store's body and the payload of the review.* audit records
// (those leave out the ticket key, which repeats the principal, text and raw bound values).
std::string to_json(const Request& r, bool with_ticket_key);
store::StoredReview to_stored(const Request& r);
// nullopt if the body is not a request this version can read.
std::optional<Request> from_stored(const store::StoredReview& s);

// Loads what `store` kept into `book` (pending requests, and those decided within
// ReviewBook::kKeepDecidedNs). A hold-mode request that was pending is cancelled: the session
// that held its statement ended with the previous process. Returns how many were loaded, or
// the store's error.
Result<size_t> restore_reviews(store::StateStore& store, ReviewBook& book, int64_t now_ns);

}  // namespace gh::review
