#pragma once

// How the admin API shows review requests and grants (api_reviews.cpp), shared by the
// reviews and grants endpoints.

#include <nlohmann/json.hpp>

#include "review/review_book.h"

namespace gh::admin {

using Json = nlohmann::ordered_json;

Json request_json(const review::Request& r);
// The HTTP status for a refusal by the review book (404, 409, 403 or 422).
int refusal_status(review::Refusal r);

}  // namespace gh::admin
