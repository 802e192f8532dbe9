#include "places/json_format.hpp"

#include <algorithm>
#include <cmath>

#include <boost/json/serialize.hpp>

#include "common/append_decimal.hpp"

namespace herd::places {
namespace {

constexpr int indent_width = 3;

void append_indent(std::string& out, int depth) { out.append(static_cast<std::size_t>(depth * indent_width), ' '); }

void append_number(std::string& out, double number) {
    if (!std::isfinite(number)) {
        out += "null"; // JSON has no infinities
        return;
    }
    append_shortest_fixed(out, number);
}

bool is_scalar(const boost::json::value& value) { return !value.is_array() && !value.is_object(); }

void append_value(std::string& out, const boost::json::value& value, int depth);

void append_object(std::string& out, const boost::json::object& object, int depth) {
    if (object.empty()) {
        out += "{}";
        return;
    }
    out += "{\n";
    bool first = true;
    for (const auto& [key, member] : object) {
        if (!first) {
            out += ",\n";
        }
        first = false;
        append_indent(out, depth + 1);
        out += boost::json::serialize(boost::json::string_view(key));
        out += " : ";
        append_value(out, member, depth + 1);
    }
    out += '\n';
    append_indent(out, depth);
    out += '}';
}

void append_array(std::string& out, const boost::json::array& array, int depth) {
    if (array.empty()) {
        out += "[]";
        return;
    }
    if (std::all_of(array.begin(), array.end(), is_scalar)) {
        out += "[ ";
        for (std::size_t i = 0; i < array.size(); ++i) {
            out += i == 0 ? "" : ", ";
            append_value(out, array[i], depth);
        }
        out += " ]";
        return;
    }
    out += "[\n";
    for (std::size_t i = 0; i < array.size(); ++i) {
        if (i != 0) {
            out += ",\n";
        }
        append_indent(out, depth + 1);
        append_value(out, array[i], depth + 1);
    }
    out += '\n';
    append_indent(out, depth);
    out += ']';
}

void append_value(std::string& out, const boost::json::value& value, int depth) {
    switch (value.kind()) {
    case boost::json::kind::object:
        append_object(out, value.get_object(), depth);
        break;
    case boost::json::kind::array:
        append_array(out, value.get_array(), depth);
        break;
    case boost::json::kind::double_:
        append_number(out, value.get_double());
        break;
    default: // strings (escaped, so no raw newline), integers, booleans, null
        out += boost::json::serialize(value);
        break;
    }
}

} // namespace

std::string to_google_json(const boost::json::value& value) {
    std::string out;
    append_value(out, value, 0);
    return out;
}

} // namespace herd::places
