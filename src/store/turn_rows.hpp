// What both backends do to a TurnRecord's rows before writing them (Store::record_turn).
#pragma once

#include "store/store.hpp"

namespace companion::store {

// Gives the reply, the new memory and the emotion their ids, owner, conversation and times
// (`now`; the emotion keeps a created_at it was given), as the store sets them.
void stamp_turn_rows(TurnRecord& record, Timestamp now);

}  // namespace companion::store
