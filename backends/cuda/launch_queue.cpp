#include "backends/cuda/launch_queue.h"

#include "backends/cuda/cuda_check.h"

#include <utility>

namespace rwkv::cuda {

LaunchQueue::~LaunchQueue()
{
    if (m_graph) cudaGraphExecDestroy(m_graph);
}

void LaunchQueue::push(std::string key, bool graphable, const char* what, std::function<void()> launch)
{
    m_key += key;
    m_key += '\n';
    m_graphable = m_graphable && graphable;
    m_launches.push_back({what, std::move(launch)});
}

void LaunchQueue::runAll(const std::vector<Launch>& launches)
{
    for (const Launch& l : launches) {
        l.run();
        check(cudaGetLastError(), l.what);
    }
}

void LaunchQueue::capture(const std::vector<Launch>& launches)
{
    check(cudaStreamBeginCapture(m_stream, cudaStreamCaptureModeThreadLocal), "graph capture");
    cudaGraph_t graph = nullptr;
    try {
        for (const Launch& l : launches) l.run();
    } catch (...) {
        cudaStreamEndCapture(m_stream, &graph);
        if (graph) cudaGraphDestroy(graph);
        throw;
    }
    check(cudaStreamEndCapture(m_stream, &graph), "graph capture");
    cudaGraphExec_t exec = nullptr;
    const cudaError_t e = cudaGraphInstantiate(&exec, graph, 0);
    cudaGraphDestroy(graph);
    check(e, "graph instantiation");
    if (m_graph) cudaGraphExecDestroy(m_graph);
    m_graph = exec;
}

void LaunchQueue::flush()
{
    if (m_launches.empty()) return;
    const std::vector<Launch> launches = std::move(m_launches);
    const std::string key = std::move(m_key);
    const bool graphable = m_graphs && m_graphable;
    m_launches.clear();
    m_key.clear();
    m_graphable = true;
    const std::string previous = std::exchange(m_lastKey, key);
    if (!graphable) return runAll(launches);
    if (m_graph && key == m_graphKey) {
        check(cudaGraphLaunch(m_graph, m_stream), "graph launch");
    } else if (key == previous) {
        m_graphKey.clear(); // a failed capture leaves no graph behind under this key
        capture(launches);
        m_graphKey = key;
        check(cudaGraphLaunch(m_graph, m_stream), "graph launch");
    } else {
        runAll(launches);
    }
}

} // namespace rwkv::cuda
