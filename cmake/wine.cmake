# How this project runs Windows programs under wine: a prefix of its own (the user's ~/.wine is
# left alone), no debug chatter, a UTF-8 Unix side so non-ASCII paths and arguments survive,
# and no offer to install Mono or Gecko into a fresh prefix. Sets RWKV_WINE (the program) and
# rwkv_wine_env(<var> <prefix folder>) (the environment as a list of NAME=VALUE).
find_program(RWKV_WINE NAMES wine wine64 wine-stable)

function(rwkv_wine_env var prefix)
  set(${var} WINEPREFIX=${prefix} WINEDEBUG=-all LANG=C.UTF-8 WINEDLLOVERRIDES=mscoree,mshtml=d PARENT_SCOPE)
endfunction()
