// search-bench: the sidebar search's time per query (core/store/search) on a store of many
// conversations, for BENCHMARKS.md (issue 20: ≤ 50 ms per query on 10 000 conversations of 20
// messages). Not a test: run by hand, alone on the machine where possible.
//
//   build/tests/search-bench [--conversations N] [--messages M] [--db FILE] [--repetitions R]
//
// The store is made once in FILE (default: a new file in the temporary folder, removed at the
// end; an existing FILE of the right size is reused): N conversations of M messages each,
// alternating user and assistant, of 12–40 words drawn from a Zipf-like vocabulary of 5 000
// made-up words (seeded, so every run builds the same text), so some words are in almost
// every message and others in a handful. Then each query runs R times on one connection, as
// the app's search thread does, and its median and worst wall time and median CPU time (of
// this thread, which a busy machine does not inflate) is printed.
#include "core/store/search.h"
#include "core/store/store.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace {

constexpr int kVocabulary = 5000;

// Made-up pronounceable words: "ka", "tomu", … one per rank, rank 0 the most common.
std::vector<std::string> makeWords(std::mt19937& rng)
{
    static const char* syllables[] = {"ka", "to", "mu", "ri", "se", "na", "lo", "pe", "vi", "da", "gu", "fe", "zo", "bi", "hu", "ne"};
    std::uniform_int_distribution<int> syllable(0, 15), length(1, 4);
    std::vector<std::string> words;
    while (int(words.size()) < kVocabulary) {
        std::string w;
        for (int n = length(rng); n > 0; --n) w += syllables[syllable(rng)];
        if (std::find(words.begin(), words.end(), w) == words.end()) words.push_back(w);
    }
    return words;
}

std::string sentence(std::mt19937& rng, const std::vector<std::string>& words, std::discrete_distribution<int>& zipf)
{
    std::uniform_int_distribution<int> count(12, 40);
    std::string s;
    for (int n = count(rng); n > 0; --n) {
        if (!s.empty()) s += ' ';
        s += words[size_t(zipf(rng))];
    }
    return s + '.';
}

void build(rwkv::Store& store, int conversations, int messages, const std::vector<std::string>& words, std::mt19937& rng)
{
    std::vector<double> weights;
    for (int r = 1; r <= kVocabulary; ++r) weights.push_back(1.0 / r);
    std::discrete_distribution<int> zipf(weights.begin(), weights.end());
    rwkv::ConversationStore& c = store.conversations();
    for (int i = 0; i < conversations; ++i) {
        rwkv::Transaction t(store.database());
        const int64_t id = c.create("Chat about " + words[size_t(zipf(rng))] + " " + std::to_string(i), {});
        int64_t at = c.addMessage(id, std::nullopt, rwkv::MessageRole::System, "");
        for (int m = 0; m < messages; ++m)
            at = c.addMessage(id, at, m % 2 == 0 ? rwkv::MessageRole::User : rwkv::MessageRole::Assistant,
                              sentence(rng, words, zipf));
        c.setCurrentMessage(id, at);
        t.commit();
        if ((i + 1) % 1000 == 0) std::fprintf(stderr, "\r%d conversations", i + 1);
    }
    std::fprintf(stderr, "\n");
}

// This thread's CPU time: what a query costs whatever else the machine runs meanwhile.
double threadCpuMs()
{
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6;
}

int intOption(int argc, char** argv, const char* name, int fallback)
{
    for (int i = 1; i + 1 < argc; ++i)
        if (std::string(argv[i]) == name) return std::atoi(argv[i + 1]);
    return fallback;
}

} // namespace

int main(int argc, char** argv)
{
    const int conversations = intOption(argc, argv, "--conversations", 10'000);
    const int messages = intOption(argc, argv, "--messages", 20);
    const int repetitions = std::max(1, intOption(argc, argv, "--repetitions", 20));
    std::filesystem::path path = std::filesystem::temp_directory_path() / "rwkv-search-bench.sqlite";
    bool keep = false;
    for (int i = 1; i + 1 < argc; ++i)
        if (std::string(argv[i]) == "--db") {
            path = argv[i + 1];
            keep = true;
        }

    try {
        std::mt19937 rng(20);
        const std::vector<std::string> words = makeWords(rng);
        rwkv::Store store(path);
        const auto listed = store.conversations().list();
        if (int(listed.size()) != conversations) {
            if (!listed.empty()) {
                std::fprintf(stderr, "%s holds %zu conversations, not %d: remove it first\n", path.c_str(), listed.size(),
                             conversations);
                return 1;
            }
            const auto start = std::chrono::steady_clock::now();
            build(store, conversations, messages, words, rng);
            std::printf("built %d conversations of %d messages in %.1f s, %.1f MiB\n", conversations, messages,
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                        double(std::filesystem::file_size(path)) / (1 << 20));
        }
        // Common, middling and rare words, a prefix being typed, two words, a title, no match.
        const std::vector<std::string> queries = {words[0], words[1] + " " + words[2], words[50], words[500],
                                                  words[4000], words[3].substr(0, 2), "chat about", "zzzz nothing"};
        std::printf("| query | hits | median ms | worst ms | median CPU ms |\n|---|---|---|---|---|\n");
        for (const std::string& q : queries) {
            std::vector<double> ms, cpuMs;
            size_t hits = 0;
            for (int r = 0; r < repetitions; ++r) {
                const double cpuStart = threadCpuMs();
                const auto start = std::chrono::steady_clock::now();
                hits = rwkv::search(store.database(), q).size();
                ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
                cpuMs.push_back(threadCpuMs() - cpuStart);
            }
            std::sort(ms.begin(), ms.end());
            std::sort(cpuMs.begin(), cpuMs.end());
            std::printf("| `%s` | %zu | %.1f | %.1f | %.1f |\n", q.c_str(), hits, ms[ms.size() / 2], ms.back(),
                        cpuMs[cpuMs.size() / 2]);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "search-bench: %s\n", e.what());
        return 1;
    }
    if (!keep)
        for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
    return 0;
}
