#pragma once
// Whether this test program is built with AddressSanitizer (the fuzz preset, docs/fuzzing.md):
// there memory limits cannot be set (ASan reserves terabytes of address space for its shadow
// memory when a process starts) and speed checks are meaningless (code runs 2–5× slower).
namespace rwkv::test {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#else
inline constexpr bool kAddressSanitizer = false;
#endif

} // namespace rwkv::test
