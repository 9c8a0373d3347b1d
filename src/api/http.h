// The API's names for the HTTP types (see http/message.h).
#pragma once

#include "http/message.h"

namespace flotilla::api {

using HttpRequest = http::Request;
using HttpResponse = http::Response;
using HttpHandler = http::Handler;
using ResponseStream = http::ResponseStream;
using http::ParseQuery;
using http::PercentDecode;

}  // namespace flotilla::api
