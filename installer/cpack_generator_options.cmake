# Read by cpack once per generator: a .deb installs under /usr, the .tar.gz is relocatable.
if(CPACK_GENERATOR STREQUAL "DEB")
  set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
endif()
