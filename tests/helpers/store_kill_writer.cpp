// Writer process for test_store_crash: saves snapshots in a loop until it is killed.
// usage: store_kill_writer DB RUN
// After each commit it prints one line: "saved NAME" (a named snapshot) or "turn ID NAME" (a
// message and its snapshot, written together as a chat turn is). The oldest snapshots of all
// runs are deleted to keep the database small, each announced before the delete with
// "removing NAME" or "removing-turn ID" (once announced, it may be gone).
#include "core/error.h"
#include "core/store/store.h"
#include "helpers/kill_writer_state.h"

#include <cstdio>
#include <deque>
#include <string>

namespace {

struct Entry {
    std::string name;    // named snapshot
    int64_t message = 0; // or a turn's message
};

constexpr size_t kKeep = 12;

} // namespace

int main(int argc, char** argv)
{
    using namespace rwkv;
    if (argc != 3) {
        std::fprintf(stderr, "usage: store_kill_writer DB RUN\n");
        return 2;
    }
    try {
        Store store(argv[1]);
        const State model = test::killWriterState("model");
        store.snapshots().registerModel(model.weightsFingerprint(), "kill-writer", model.config());
        const int64_t conversation = store.conversations().create(std::string("run ") + argv[2], {});
        std::deque<Entry> stored;
        {
            Statement s = store.database().prepare("SELECT name, message_id FROM snapshots ORDER BY id");
            while (s.step()) stored.push_back({s.columnText(0), s.columnOptionalInt(1).value_or(0)});
        }
        for (long n = 0;; ++n) {
            std::string name = "r";
            name.append(argv[2]).append("-").append(std::to_string(n));
            const State state = test::killWriterState(name);
            if (n % 3 == 2) {
                const EncodedSnapshot encoded = store.snapshots().codec().encode(state);
                Transaction tx(store.database());
                const int64_t message = store.conversations().addMessage(conversation, std::nullopt, MessageRole::Assistant, name);
                store.snapshots().insert(encoded, state.weightsFingerprint(), {message, std::nullopt});
                store.conversations().setCurrentMessage(conversation, message);
                tx.commit();
                std::printf("turn %lld %s\n", static_cast<long long>(message), name.c_str());
                stored.push_back({"", message});
            } else {
                store.snapshots().save(state, {std::nullopt, name});
                std::printf("saved %s\n", name.c_str());
                stored.push_back({name, 0});
            }
            std::fflush(stdout);
            while (stored.size() > kKeep) {
                const Entry oldest = stored.front();
                stored.pop_front();
                if (oldest.message) {
                    std::printf("removing-turn %lld\n", static_cast<long long>(oldest.message));
                    std::fflush(stdout);
                    store.database().prepare("DELETE FROM messages WHERE id = ?1").bind(1, oldest.message).run();
                } else {
                    std::printf("removing %s\n", oldest.name.c_str());
                    std::fflush(stdout);
                    store.snapshots().remove(store.snapshots().named(oldest.name)->id);
                }
            }
        }
    } catch (const Error& e) {
        std::fprintf(stderr, "store_kill_writer: %s\n", e.what());
        return 1;
    }
}
