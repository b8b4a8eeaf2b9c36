// The server's feed import: it runs `fleetpatch --data-dir DIR feed import FILE` as a child
// process, so that an import through the API is exactly the command line's import (same
// parsers, same atomic index update, same lock against concurrent imports) without the server
// linking the command line's code.
#pragma once

#include <string>

#include "server/api.hpp"

namespace fleetpatch::server {

/// An importer running `binary` (the fleetpatch executable; "/proc/self/exe" for the running
/// one) on `data_dir`. Its result is the command's output; a failing import is an Error
/// carrying the command's messages.
FeedImporter process_feed_importer(std::string binary, std::string data_dir);

}  // namespace fleetpatch::server
