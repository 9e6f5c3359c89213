#include "api/openapi.hpp"

#include <map>
#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <boost/json.hpp>

namespace companion::api {

namespace json = boost::json;

namespace {

json::object parse_source(const EmbeddedFile& source) {
    boost::system::error_code error;
    auto value = json::parse(source.content, error);
    if (error) {
        throw std::invalid_argument(
            fmt::format("OpenAPI source {} is not valid JSON: {}", source.name, error.message()));
    }
    if (!value.is_object()) {
        throw std::invalid_argument(
            fmt::format("OpenAPI source {} is not a JSON object", source.name));
    }
    return std::move(value.as_object());
}

const json::object& object_member(const json::object& object, std::string_view name,
                                  std::string_view source) {
    const auto* value = object.if_contains(name);
    if (value == nullptr || !value->is_object()) {
        throw std::invalid_argument(
            fmt::format("OpenAPI source {}: \"{}\" must be an object", source, name));
    }
    return value->as_object();
}

// Where each path, component and tag was defined, to name both sources of a duplicate.
class Definitions {
  public:
    void add(const std::string& what, std::string_view source) {
        const auto [it, added] = owners_.emplace(what, std::string(source));
        if (!added) {
            throw std::invalid_argument(
                fmt::format("OpenAPI {} is defined in both {} and {}", what, it->second, source));
        }
    }

    // Every path, component and tag of `part`.
    void add_all(const json::object& part, std::string_view source) {
        if (part.contains("paths")) {
            for (const auto& [path, item] : object_member(part, "paths", source)) {
                add(fmt::format("path {}", std::string_view(path)), source);
            }
        }
        if (part.contains("components")) {
            for (const auto& [section, members] : object_member(part, "components", source)) {
                const std::string where = fmt::format("components.{}", std::string_view(section));
                for (const auto& [name, member] :
                     object_member(part.at("components").as_object(), section, source)) {
                    add(fmt::format("{}.{}", where, std::string_view(name)), source);
                }
            }
        }
        if (const auto* tags = part.if_contains("tags")) {
            if (!tags->is_array()) {
                throw std::invalid_argument(
                    fmt::format("OpenAPI source {}: \"tags\" must be an array", source));
            }
            for (const auto& tag : tags->as_array()) {
                const auto* name = tag.is_object() ? tag.as_object().if_contains("name") : nullptr;
                if (name == nullptr || !name->is_string()) {
                    throw std::invalid_argument(
                        fmt::format("OpenAPI source {}: every tag needs a \"name\"", source));
                }
                add(fmt::format("tag {}", std::string_view(name->as_string())), source);
            }
        }
    }

  private:
    std::map<std::string, std::string> owners_;
};

json::object& object_in(json::object& parent, std::string_view name) {
    auto& value = parent[name];
    if (!value.is_object()) value = json::object();
    return value.as_object();
}

// Adds a resource's paths, components and tags to the document (Definitions checked them).
void merge(json::object& document, const json::object& part, std::string_view source) {
    for (const auto& [member, value] : part) {
        if (member == "paths") {
            auto& paths = object_in(document, "paths");
            for (const auto& [path, item] : value.as_object()) paths[path] = item;
        } else if (member == "components") {
            auto& components = object_in(document, "components");
            for (const auto& [section, members] : value.as_object()) {
                auto& into = object_in(components, section);
                for (const auto& [name, member_value] : members.as_object()) {
                    into[name] = member_value;
                }
            }
        } else if (member == "tags") {
            auto& tags = document["tags"];
            if (!tags.is_array()) tags = json::array();
            for (const auto& tag : value.as_array()) tags.as_array().push_back(tag);
        } else {
            throw std::invalid_argument(fmt::format(
                "OpenAPI source {}: unexpected member \"{}\" (only paths, components and tags)",
                source, std::string_view(member)));
        }
    }
}

}  // namespace

json::object build_openapi_document(std::span<const EmbeddedFile> sources,
                                    std::string_view version) {
    if (sources.empty()) throw std::invalid_argument("no OpenAPI sources");
    json::object document = parse_source(sources.front());
    Definitions definitions;
    definitions.add_all(document, sources.front().name);
    for (const auto& source : sources.subspan(1)) {
        const auto part = parse_source(source);
        definitions.add_all(part, source.name);
        merge(document, part, source.name);
    }
    auto* info = document.if_contains("info");
    if (info == nullptr || !info->is_object()) {
        throw std::invalid_argument(
            fmt::format("OpenAPI source {} has no \"info\" object", sources.front().name));
    }
    info->as_object()["version"] = version;
    return document;
}

json::object openapi_document() {
    return build_openapi_document(openapi_sources(), COMPANION_VERSION);
}

}  // namespace companion::api
