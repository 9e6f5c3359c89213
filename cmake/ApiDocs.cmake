# The API documentation built into the binary (docs/api.md):
# - the OpenAPI document's sources, src/api/openapi/openapi.json and resources/*.json;
# - the /docs page's own files, src/api/docs_ui/*;
# - Swagger UI from the npm package swagger-ui-dist, downloaded once per build tree from the npm
#   registry at configure time, checked against the registry's SHA-512 (its dist.integrity), and
#   kept in <build>/_deps so that rebuilds never download again. For a build without network, set
#   COMPANION_SWAGGER_UI_TARBALL to a copy of the same .tgz (`npm pack swagger-ui-dist@<version>`).
# Sets COMPANION_API_DOCS_SOURCES: the generated .cpp files that companion_core compiles.
include(${CMAKE_CURRENT_LIST_DIR}/EmbedFiles.cmake)

# To upgrade: `npm view swagger-ui-dist@<version> dist.integrity`, then the hex form of it:
#   echo '<base64 after sha512->' | base64 -d | od -An -tx1 | tr -d ' \n'
set(COMPANION_SWAGGER_UI_VERSION 5.35.0)
set(COMPANION_SWAGGER_UI_SHA512 534eaba4cb56f55dd73c638179a993512af4674f63317e0826e00da44fc465b021c341bc0a0c2bcd4e18997927fe1d3008336c5dd19aad334d1c2dec53cc9551)
set(COMPANION_SWAGGER_UI_TARBALL "" CACHE FILEPATH
    "swagger-ui-dist-${COMPANION_SWAGGER_UI_VERSION}.tgz to use instead of downloading it")
# The files /docs serves from the package.
set(COMPANION_SWAGGER_UI_FILES
    swagger-ui.css swagger-ui-bundle.js swagger-ui-standalone-preset.js
    swagger-ui-bundle.js.LICENSE.txt swagger-ui-standalone-preset.js.LICENSE.txt
    favicon-16x16.png favicon-32x32.png LICENSE NOTICE)

function(companion_fetch_swagger_ui out_dir)
  set(deps ${PROJECT_BINARY_DIR}/_deps)
  set(name swagger-ui-dist-${COMPANION_SWAGGER_UI_VERSION})
  set(tarball ${deps}/${name}.tgz)
  set(extracted ${deps}/${name})
  set(stamp ${extracted}/.extracted-${COMPANION_SWAGGER_UI_SHA512})

  if(COMPANION_SWAGGER_UI_TARBALL)
    set(tarball ${COMPANION_SWAGGER_UI_TARBALL})
  elseif(EXISTS ${tarball})
    file(SHA512 ${tarball} have)
    if(NOT have STREQUAL COMPANION_SWAGGER_UI_SHA512)
      file(REMOVE ${tarball})
    endif()
  endif()
  if(NOT EXISTS ${tarball})
    set(url https://registry.npmjs.org/swagger-ui-dist/-/${name}.tgz)
    message(STATUS "Downloading ${url}")
    file(DOWNLOAD ${url} ${tarball}.part
         EXPECTED_HASH SHA512=${COMPANION_SWAGGER_UI_SHA512}
         TLS_VERIFY ON TIMEOUT 300 INACTIVITY_TIMEOUT 60 STATUS status)
    list(GET status 0 code)
    if(NOT code EQUAL 0)
      file(REMOVE ${tarball}.part)
      list(GET status 1 reason)
      message(FATAL_ERROR "Could not download ${url}: ${reason}. The API docs page embeds Swagger "
                          "UI from the npm registry; without network, pass "
                          "-DCOMPANION_SWAGGER_UI_TARBALL=<path to ${name}.tgz>.")
    endif()
    file(RENAME ${tarball}.part ${tarball})
  endif()
  file(SHA512 ${tarball} have)
  if(NOT have STREQUAL COMPANION_SWAGGER_UI_SHA512)
    message(FATAL_ERROR "${tarball} is not swagger-ui-dist ${COMPANION_SWAGGER_UI_VERSION}: its "
                        "SHA-512 is ${have}, expected ${COMPANION_SWAGGER_UI_SHA512}")
  endif()

  if(NOT EXISTS ${stamp})
    file(REMOVE_RECURSE ${extracted} ${extracted}.part)
    set(patterns "")
    foreach(file IN LISTS COMPANION_SWAGGER_UI_FILES)
      list(APPEND patterns package/${file})
    endforeach()
    file(ARCHIVE_EXTRACT INPUT ${tarball} DESTINATION ${extracted}.part PATTERNS ${patterns} TOUCH)
    file(RENAME ${extracted}.part ${extracted})
    file(TOUCH ${stamp})
  endif()
  foreach(file IN LISTS COMPANION_SWAGGER_UI_FILES)
    if(NOT EXISTS ${extracted}/package/${file})
      message(FATAL_ERROR "swagger-ui-dist ${COMPANION_SWAGGER_UI_VERSION} has no ${file}")
    endif()
  endforeach()
  set(${out_dir} ${extracted}/package PARENT_SCOPE)
endfunction()

function(companion_api_docs_sources out_sources)
  set(generated ${PROJECT_BINARY_DIR}/generated)
  set(openapi_dir ${PROJECT_SOURCE_DIR}/src/api/openapi)
  set(page_dir ${PROJECT_SOURCE_DIR}/src/api/docs_ui)

  # The base document first, then one file per resource, by name.
  file(GLOB resources CONFIGURE_DEPENDS ${openapi_dir}/resources/*.json)
  list(SORT resources)
  set(openapi_files openapi.json=${openapi_dir}/openapi.json)
  foreach(path IN LISTS resources)
    get_filename_component(file ${path} NAME)
    list(APPEND openapi_files resources/${file}=${path})
  endforeach()
  companion_embed_files(OUTPUT ${generated}/openapi_sources.cpp
                        FUNCTION companion::api::openapi_sources HEADER api/openapi.hpp
                        FILES ${openapi_files})

  file(GLOB page_paths CONFIGURE_DEPENDS ${page_dir}/*)
  list(SORT page_paths)
  set(page_files "")
  foreach(path IN LISTS page_paths)
    get_filename_component(file ${path} NAME)
    list(APPEND page_files ${file}=${path})
  endforeach()
  companion_embed_files(OUTPUT ${generated}/docs_page_files.cpp
                        FUNCTION companion::api::docs_page_files HEADER api/openapi.hpp
                        FILES ${page_files})

  companion_fetch_swagger_ui(swagger_dir)
  set(swagger_files "")
  foreach(file IN LISTS COMPANION_SWAGGER_UI_FILES)
    list(APPEND swagger_files ${file}=${swagger_dir}/${file})
  endforeach()
  companion_embed_files(OUTPUT ${generated}/swagger_ui_files.cpp
                        FUNCTION companion::api::swagger_ui_files HEADER api/openapi.hpp
                        FILES ${swagger_files})

  set(${out_sources} ${generated}/openapi_sources.cpp ${generated}/docs_page_files.cpp
      ${generated}/swagger_ui_files.cpp PARENT_SCOPE)
endfunction()
