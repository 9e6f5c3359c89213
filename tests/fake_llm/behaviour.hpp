// What the fake LLM server does with the next request: its reply, its pace and the failures it
// stages. Set as JSON (POST /_control, or --config at start); keys are the member names.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

namespace companion::fake_llm {

struct Behaviour {
    std::string reply = "Hello! I am the fake model, and I am listening.";
    std::vector<std::string> tokens;  // the reply's pieces; empty: the reply split before spaces
    std::string model = "fake-model";

    int status = 200;  // another status answers an OpenAI error body instead
    std::string error_message = "the fake server was told to fail";
    int retry_after = -1;  // seconds for a Retry-After header; -1: none

    int first_token_delay_ms =
        0;                      // before the first token (before the whole answer without stream)
    int token_interval_ms = 0;  // between tokens

    int disconnect_after_tokens = -1;  // close the connection after K tokens (no answer at all
                                       // without streaming)
    int malformed_after_tokens = -1;   // send a chunk that is not JSON after K tokens
    int error_after_tokens = -1;       // send an OpenAI error event after K tokens
    bool hang = false;                 // read the request, never answer (until the client leaves)

    bool usage = true;              // report usage (in the stream when stream_options asks for it)
    bool crlf = false;              // SSE lines end with \r\n instead of \n
    int chunk_bytes = 0;            // write the SSE bytes in pieces of this size (0: one per event)
    bool comments = false;          // a `: ping` comment line before every event
    bool ignore_stream = false;     // answer plain JSON even when streaming was asked for
    bool close_connection = false;  // Connection: close after each answer

    int embedding_dimensions = 32;
    int models_status = 200;      // status of GET /models
    std::string require_api_key;  // when set: 401 unless `Authorization: Bearer <it>`
};

class BadBehaviour : public std::invalid_argument {
  public:
    using std::invalid_argument::invalid_argument;
};

// The defaults overlaid with the object's keys; BadBehaviour names an unknown key or wrong type.
Behaviour parse_behaviour(const boost::json::object& object);

// `base` with the keys of `override` replacing its own.
boost::json::object overlay(boost::json::object base, const boost::json::object& override);

// The reply's tokens: `tokens` if given, else the reply cut before each space.
std::vector<std::string> tokens_of(const Behaviour& behaviour);

}  // namespace companion::fake_llm
