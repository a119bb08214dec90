#pragma once
// The local OpenAI-compatible API (server/) inside the app, on the app's loaded model, with
// its own prefix cache in memory. Serves on its own thread from construction to destruction.
// The InferenceWorker creates it and takes the same model lock around its own model work, so
// API requests and the app's work never run the model at once; the app's chat turns and
// document answers decode in the server's running batch (replyDecoder), beside the requests.
#include "core/fair_mutex.h"
#include "core/generate_alternatives.h"
#include "core/model.h"
#include "core/tokenizer/tokenizer.h"

#include <memory>
#include <string>

class ApiServerHost {
public:
    // Binds 127.0.0.1:port (loopback only: the app sets no API key) and starts serving.
    // Throws rwkv::Error(Io) when the port cannot be bound, Error(Unsupported) in a build
    // without the server (no cpp-httplib). Everything borrowed must outlive it.
    ApiServerHost(rwkv::Model& model, const rwkv::Tokenizer& tokenizer, rwkv::FairMutex& modelLock, const std::string& modelId,
                  int port);
    // Stops serving; requests in progress end at their next token. Must not be called while
    // holding modelLock (those requests may be waiting for it).
    ~ApiServerHost();
    ApiServerHost(const ApiServerHost&) = delete;
    ApiServerHost& operator=(const ApiServerHost&) = delete;

    // "http://127.0.0.1:PORT/v1", what a client's base URL is.
    std::string url() const;
    // Decodes in the server's running batch (server/batch_replies.h), for the app's chat
    // session while this host lives.
    rwkv::ReplyDecoder replyDecoder();

private:
    struct Parts;
    std::unique_ptr<Parts> m_parts;
};
