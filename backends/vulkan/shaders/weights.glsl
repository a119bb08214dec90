// Weight element loads for every storage type; the type is a specialisation constant, so
// each pipeline reads one type without branching at run time. int8 (Q8) and q4 (Q4) follow
// core/quantize.h: blocks of 32 along a row, all values first (int8 bytes; q4 nibbles, a
// block's 16 bytes holding its values 0-15 low and 16-31 high), then one fp16 scale per block
// at `scales`. Their bytes are read as 32-bit words (no 8-bit storage feature needed).
layout(constant_id = 0) const uint kWeightType = 0; // 0 fp32, 1 fp16, 2 bf16, 3 int8, 4 q4

layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer Words { uint v[]; };

// The signed value of a q4 nibble (stored 0..15 for -8..7) or an int8 byte at bit `shift` of `word`.
float quantized(uint word, uint shift)
{
    return kWeightType == 3 ? float(bitfieldExtract(int(word), int(shift), 8))
                            : float(bitfieldExtract(word, int(shift), 4)) - 8.0;
}

float loadWeight(Floats w, Halves scales, uint i)
{
    if (kWeightType == 0) return w.v[i];
    if (kWeightType == 1) return float(Halves(w).v[i]);
    if (kWeightType == 2) return uintBitsToFloat(uint(Shorts(w).v[i]) << 16);
    const float d = float(scales.v[i / 32]);
    if (kWeightType == 3) return d * quantized(Words(w).v[i / 4], 8 * (i % 4));
    const uint j = i % 32, byte = i / 32 * 16 + j % 16;
    return d * quantized(Words(w).v[byte / 4], 8 * (byte % 4) + 4 * (j / 16));
}
