#include "places/gazetteer_loader.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <unordered_map>

#include <boost/json.hpp>

namespace herd::places {
namespace {

namespace json = boost::json;

std::string read_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        throw gazetteer_error(path + ": cannot read the places file (run `make setup`, or set [places] file)");
    }
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

json::value parse_json(const std::string& path, json::storage_ptr storage) {
    boost::system::error_code error;
    json::value value = json::parse(read_file(path), error, std::move(storage));
    if (error) {
        throw gazetteer_error(path + ": not valid JSON: " + error.message());
    }
    return value;
}

// Code -> name from an optional admin file beside the places file.
std::unordered_map<std::string, std::string> load_admin_names(const std::filesystem::path& path) {
    std::unordered_map<std::string, std::string> names;
    if (!std::filesystem::exists(path)) {
        return names;
    }
    const json::value root = parse_json(path.string(), json::make_shared_resource<json::monotonic_resource>());
    if (!root.is_array()) {
        throw gazetteer_error(path.string() + ": must be an array of {\"code\", \"name\"} objects");
    }
    for (const json::value& entry : root.get_array()) {
        const json::object* object = entry.if_object();
        const json::value* code = object ? object->if_contains("code") : nullptr;
        const json::value* name = object ? object->if_contains("name") : nullptr;
        if (code && name && code->is_string() && name->is_string()) {
            names.emplace(std::string(code->get_string()), std::string(name->get_string()));
        }
    }
    return names;
}

// A coordinate given as a JSON number or a decimal string; nothing for anything else, NaN and
// infinities included (from_chars reads "nan" and "inf", and NaN passes every range check).
std::optional<double> to_degrees(const json::value* value) {
    double number = 0;
    if (value != nullptr && value->is_number()) {
        number = value->to_number<double>();
    } else if (value != nullptr && value->is_string()) {
        const json::string& text = value->get_string();
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
        if (error != std::errc() || end != text.data() + text.size()) {
            return std::nullopt;
        }
    } else {
        return std::nullopt;
    }
    return std::isfinite(number) ? std::optional<double>(number) : std::nullopt;
}

std::string string_field(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    return value && value->is_string() ? std::string(value->get_string()) : std::string();
}

// FNV-1a over the identifying fields: the same place gets the same ID on every member.
std::string make_place_id(const std::string& name, double lat, double lng) {
    std::uint64_t hash = 14695981039346656037ull;
    const auto mix = [&hash](std::string_view bytes) {
        for (const char c : bytes) {
            hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
        }
    };
    mix(name);
    mix(std::to_string(lat));
    mix(std::to_string(lng));
    char hex[16];
    std::string id = "offline:";
    id.append(hex, std::to_chars(hex, hex + sizeof hex, hash, 16).ptr);
    return id;
}

class vicinity_namer {
public:
    explicit vicinity_namer(const std::filesystem::path& dir)
        : admin1_(load_admin_names(dir / "admin1.json")), admin2_(load_admin_names(dir / "admin2.json")) {}

    // "Admin2, Admin1, CC" with the parts that are known.
    std::string name(const json::object& entry) const {
        const std::string country = string_field(entry, "country");
        const std::string admin1 = string_field(entry, "admin1");
        const std::string admin2 = string_field(entry, "admin2");
        std::string vicinity;
        const auto add = [&vicinity](const std::string& part) {
            if (!part.empty()) {
                vicinity += (vicinity.empty() ? "" : ", ") + part;
            }
        };
        if (!admin2.empty()) {
            add(lookup(admin2_, country + "." + admin1 + "." + admin2));
        }
        if (!admin1.empty()) {
            add(lookup(admin1_, country + "." + admin1));
        }
        add(country);
        return vicinity;
    }

private:
    static std::string lookup(const std::unordered_map<std::string, std::string>& names, const std::string& code) {
        const auto found = names.find(code);
        return found == names.end() ? std::string() : found->second;
    }

    std::unordered_map<std::string, std::string> admin1_;
    std::unordered_map<std::string, std::string> admin2_;
};

place read_place(const std::string& path, std::size_t index, const json::value& entry,
                 const vicinity_namer& namer) {
    const auto fail = [&](std::string_view reason) {
        throw gazetteer_error(path + ": entry " + std::to_string(index) + ": " + std::string(reason));
    };
    const json::object* object = entry.if_object();
    if (object == nullptr) {
        fail("must be an object");
    }
    place result;
    result.name = string_field(*object, "name");
    if (result.name.empty()) {
        fail("needs a non-empty string `name`");
    }
    const auto lat = to_degrees(object->if_contains("lat"));
    const auto lng = to_degrees(object->if_contains("lng"));
    if (!lat || !lng || *lat < -90 || *lat > 90 || *lng < -180 || *lng > 180) {
        fail("needs `lat` in [-90, 90] and `lng` in [-180, 180]");
    }
    result.position = {*lat, *lng};
    result.vicinity = object->contains("vicinity") ? string_field(*object, "vicinity") : namer.name(*object);
    result.place_id = make_place_id(result.name, *lat, *lng);
    return result;
}

} // namespace

std::vector<place> load_gazetteer(const std::string& path) {
    const json::value root = parse_json(path, json::make_shared_resource<json::monotonic_resource>());
    if (!root.is_array()) {
        throw gazetteer_error(path + ": must be a JSON array of places");
    }
    const vicinity_namer namer(std::filesystem::path(path).parent_path());
    std::vector<place> places;
    places.reserve(root.get_array().size());
    std::size_t index = 0;
    for (const json::value& entry : root.get_array()) {
        places.push_back(read_place(path, index++, entry, namer));
    }
    return places;
}

} // namespace herd::places
