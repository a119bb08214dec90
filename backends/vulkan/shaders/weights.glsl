// Weight element loads for every storage type; the type is a specialisation constant, so
// each pipeline reads one type without branching at run time.
layout(constant_id = 0) const uint kWeightType = 0; // 0 fp32, 1 fp16, 2 bf16

float loadWeight(Floats w, uint i)
{
    if (kWeightType == 0) return w.v[i];
    if (kWeightType == 1) return float(Halves(w).v[i]);
    return uintBitsToFloat(uint(Shorts(w).v[i]) << 16);
}
