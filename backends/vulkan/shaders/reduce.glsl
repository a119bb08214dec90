// Workgroup-wide sums: subgroup reduction, then one shared slot per subgroup. Call from
// uniform control flow; returns the total to every invocation.
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_basic : require

shared float sSubgroupSums[64];

float workgroupSum(float x)
{
    x = subgroupAdd(x);
    if (subgroupElect()) sSubgroupSums[gl_SubgroupID] = x;
    barrier();
    float total = 0.0;
    for (uint i = 0; i < gl_NumSubgroups; ++i) total += sSubgroupSums[i];
    barrier(); // the slots may be reused by the next call
    return total;
}
