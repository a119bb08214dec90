// Shared by every kernel: fp32 tensors are passed as buffer device addresses in push
// constants (no descriptor sets), so a tensor view is just an address.
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_shader_16bit_storage : require

layout(buffer_reference, std430, buffer_reference_align = 4) buffer Floats { float v[]; };
layout(buffer_reference, std430, buffer_reference_align = 2) readonly buffer Halves { float16_t v[]; };
layout(buffer_reference, std430, buffer_reference_align = 2) readonly buffer Shorts { uint16_t v[]; };

// Grids wider than 65535 workgroups are dispatched as 2D; this is the flat workgroup index.
uint flatGroup() { return gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x; }

// Flat invocation index for 1-D element-wise kernels (declare the local size before
// including this file: gl_WorkGroupSize is fixed where it is used).
uint flatInvocation() { return flatGroup() * gl_WorkGroupSize.x + gl_LocalInvocationID.x; }
