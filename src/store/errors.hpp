// What the store throws; the api layer maps these to HTTP answers.
#pragma once

#include <stdexcept>

namespace companion::store {

class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A unique constraint was violated (e.g. a username that is taken).
class Conflict : public StoreError {
public:
    using StoreError::StoreError;
};

// The database cannot be reached or failed (server down, connection lost, statement timeout).
class Unavailable : public StoreError {
public:
    using StoreError::StoreError;
};

// No connection became free within the pool's bounded wait.
class Busy : public StoreError {
public:
    using StoreError::StoreError;
};

// The schema is older than this binary and production does not migrate by itself.
class SchemaOutOfDate : public StoreError {
public:
    using StoreError::StoreError;
};

}  // namespace companion::store
