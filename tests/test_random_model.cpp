// Random checkpoints (core/random_model.h), whose large tensors fill in parallel blocks: the
// same bytes for the same seed, other bytes for another seed, and every block of a large tensor
// drawn independently from the whole range (none left unfilled, none a copy of another).
#include "core/random_model.h"

#include <QTest>

#include <cmath>
#include <cstring>

using namespace rwkv;

namespace {

const NamedTensor& find(const std::vector<NamedTensor>& ts, const std::string& name)
{
    for (const NamedTensor& t : ts)
        if (t.name == name) return t;
    qFatal("no tensor %s", name.c_str());
}

std::vector<float> floats(const NamedTensor& t)
{
    std::vector<float> v(t.bytes.size() / 4);
    std::memcpy(v.data(), t.bytes.data(), t.bytes.size());
    return v;
}

RandomModelSpec spec(uint64_t seed)
{
    RandomModelSpec s;
    s.layers = 1;
    s.width = 256;
    s.vocab = 65536; // emb.weight: 16.7 M values, filled by several threads
    s.dtype = DType::F32;
    s.seed = seed;
    return s;
}

} // namespace

class TestRandomModel : public QObject {
    Q_OBJECT

private slots:
    void sameSeedSameBytes()
    {
        const std::vector<NamedTensor> a = makeRandomModel(spec(1)), b = makeRandomModel(spec(1)), c = makeRandomModel(spec(2));
        QCOMPARE(a.size(), b.size());
        for (size_t i = 0; i < a.size(); ++i) QVERIFY2(a[i].bytes == b[i].bytes, a[i].name.c_str());
        QVERIFY(find(a, "emb.weight").bytes != find(c, "emb.weight").bytes);
        // Tensors of one checkpoint differ from each other too (the key includes the tensor).
        QVERIFY(find(a, "blocks.0.att.x_r").bytes != find(a, "blocks.0.att.x_w").bytes);
    }

    // emb.weight is uniform in [-1, 1): each of 64 segments has mean ≈ 0 and variance ≈ 1/3
    // (262144 values: the mean's standard error is 0.0011), and no segment repeats another.
    void blocksAreIndependentUniforms()
    {
        const std::vector<float> v = floats(find(makeRandomModel(spec(1)), "emb.weight"));
        QCOMPARE(v.size(), size_t(65536) * 256);
        const size_t segments = 64, n = v.size() / segments;
        for (size_t s = 0; s < segments; ++s) {
            double sum = 0, sq = 0;
            for (size_t i = s * n; i < (s + 1) * n; ++i) {
                QVERIFY2(v[i] >= -1.0f && v[i] < 1.0f, qPrintable(QString::number(double(v[i]))));
                sum += v[i];
                sq += double(v[i]) * v[i];
            }
            const double mean = sum / double(n), var = sq / double(n) - mean * mean;
            QVERIFY2(std::fabs(mean) < 0.01 && std::fabs(var - 1.0 / 3.0) < 0.01,
                     qPrintable(QString("segment %1: mean %2, variance %3").arg(s).arg(mean).arg(var)));
            if (s > 0) QVERIFY(std::memcmp(&v[s * n], &v[(s - 1) * n], 64 * sizeof(float)) != 0);
        }
    }
};

QTEST_GUILESS_MAIN(TestRandomModel)
#include "test_random_model.moc"
