#include "store/user_tables.hpp"

namespace companion::store {

std::string count_user_rows_sql(std::string_view parameter) {
    std::string text = "SELECT ";
    for (std::size_t i = 0; i < user_tables.size(); ++i) {
        if (i > 0) text += ", ";
        text += "(SELECT count(*) FROM ";
        text += user_tables[i].first;
        text += " WHERE ";
        text += user_tables[i].second;
        text += " = ";
        text += parameter;
        text += ")";
    }
    return text;
}

}  // namespace companion::store
