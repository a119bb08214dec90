#pragma once
// Kernel launches of one CUDA stream, queued until the next upload or download. A queue that
// repeats the previous one exactly (same ops on the same tensors: a decode step) is captured
// as a CUDA graph at its second occurrence and replayed from then on, which turns ~40 launches
// per layer into one. Queues with a cuBLAS call or an allocation (prefill) run directly.
#include <cuda_runtime_api.h>

#include <functional>
#include <string>
#include <vector>

namespace rwkv::cuda {

class LaunchQueue {
public:
    // graphs = false runs every queue directly (RWKV_CUDA_GRAPHS=0, for comparisons).
    LaunchQueue(cudaStream_t stream, bool graphs) : m_stream(stream), m_graphs(graphs) {}
    ~LaunchQueue();
    LaunchQueue(const LaunchQueue&) = delete;
    LaunchQueue& operator=(const LaunchQueue&) = delete;

    // Queues `launch`, which enqueues work on the stream; key identifies the op and all its
    // arguments; graphable: it only launches kernels (no cuBLAS, no allocation, no sync).
    void push(std::string key, bool graphable, const char* what, std::function<void()> launch);
    // Enqueues everything queued on the stream. Throws Error for a failed launch; the queue
    // is empty afterwards either way.
    void flush();
    // Forgets queued launches without running them (the device is going away).
    void drop()
    {
        m_launches.clear();
        m_key.clear();
    }

private:
    struct Launch {
        const char* what;
        std::function<void()> run;
    };
    void runAll(const std::vector<Launch>& launches);
    void capture(const std::vector<Launch>& launches);

    cudaStream_t m_stream;
    bool m_graphs;
    std::vector<Launch> m_launches;
    std::string m_key;           // concatenated keys of the queued launches
    bool m_graphable = true;
    std::string m_lastKey;       // of the previous flush
    std::string m_graphKey;      // of the captured graph
    cudaGraphExec_t m_graph = nullptr;
};

} // namespace rwkv::cuda
