// Request details the auth resources share: the caller for the audit log, the bearer token, and
// timestamps as JSON text.
#pragma once

#include <string>
#include <string_view>

#include "auth/auth_service.hpp"
#include "http/message.hpp"
#include "store/models.hpp"

namespace companion::api {

auth::ClientInfo client_info(const http::Request& request);
// The token of `Authorization: Bearer <token>` (scheme case-insensitive); empty when the header
// is absent or is not a bearer credential.
std::string bearer_token(const http::Request& request);
// RFC 3339 UTC with microseconds, e.g. "2026-01-02T03:04:05.123456Z".
std::string format_timestamp(store::Timestamp timestamp);

}  // namespace companion::api
