// A compact tree of one YAML document built from yaml-cpp's event stream (one pass, no node objects
// per value), keeping what the rewriter needs: byte positions, flow/block style, anchors and
// aliases. Private to the library.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traceassist/instrument/status.h"

namespace traceassist::instrument {

struct YamlNode {
  enum class Type : std::uint8_t { kNull, kScalar, kMap, kSeq, kAlias };
  Type type = Type::kNull;
  bool flow = false;         // flow style ({...} / [...])
  bool aliased = false;      // an *alias refers to it
  std::size_t pos = 0;       // byte offset of the node's mark in the parsed text
  int line = 0;              // 0-based
  int column = 0;            // 0-based, in bytes
  std::uint32_t target = 0;  // kAlias: the anchored node
  std::uint32_t first =
      0;  // kMap/kSeq: first child in YamlDocument::children (maps: key, value, ...)
  std::uint32_t count = 0;  // number of children (maps: 2 per entry)
  std::string value;        // kScalar
};

class YamlDocument {
 public:
  static constexpr std::uint32_t kNoNode = UINT32_MAX;

  std::uint32_t root() const { return root_; }
  int number() const { return number_; }  // 1-based position in the stream
  // Byte offset where the document starts: its `---` marker, else its first token.
  std::size_t start() const { return start_; }
  const YamlNode& node(std::uint32_t i) const { return nodes_[i]; }
  std::uint32_t size() const { return static_cast<std::uint32_t>(nodes_.size()); }
  // Follows an alias to its anchored node.
  std::uint32_t Resolve(std::uint32_t i) const {
    return nodes_[i].type == YamlNode::Type::kAlias ? nodes_[i].target : i;
  }
  const YamlNode& resolved(std::uint32_t i) const { return nodes_[Resolve(i)]; }
  std::uint32_t child(const YamlNode& n, std::uint32_t k) const { return children_[n.first + k]; }

  struct Entry {
    std::uint32_t key = kNoNode;
    std::uint32_t value = kNoNode;
  };
  // The first entry of map `map` (aliases resolved) whose key is the scalar `key`.
  std::optional<Entry> Find(std::uint32_t map, std::string_view key) const;
  // Like Find, but also looks into the maps that YAML merge keys (`<<: *base`, `<<: [*a, *b]`)
  // bring in, as Kubernetes' decoder does: an explicit key wins, then the merged maps in order.
  // yaml-cpp 0.7 keeps `<<` as a literal key, so this is the one place that expands it.
  std::optional<Entry> FindMerged(std::uint32_t map, std::string_view key) const;
  // Calls f(key, value) for the scalar-keyed entries of `map`, explicit ones first, then those
  // merge keys bring in that are not already there; `<<` itself is not an entry.
  void ForEachMergedEntry(std::uint32_t map,
                          const std::function<void(std::uint32_t, std::uint32_t)>& f) const;
  // True when `map` has a merge key (`<<`).
  bool HasMergeKey(std::uint32_t map) const { return Find(map, kMergeKey).has_value(); }
  static constexpr std::string_view kMergeKey = "<<";
  // Scalar text of a node (aliases resolved); empty for non-scalars.
  std::string_view Scalar(std::uint32_t i) const;
  // The first mapping key that is itself a mapping or sequence (an unrendered `{{ }}` template
  // parses so), or kNoNode.
  std::uint32_t complex_key() const { return complex_key_; }

 private:
  friend class YamlTreeBuilder;
  // The maps a merge key of `map` brings in, in precedence order (empty when none).
  std::vector<std::uint32_t> MergedMaps(std::uint32_t map) const;
  std::optional<Entry> FindMerged(std::uint32_t map, std::string_view key, int depth) const;
  std::vector<YamlNode> nodes_;
  std::vector<std::uint32_t> children_;
  std::uint32_t root_ = kNoNode;
  std::uint32_t complex_key_ = kNoNode;
  int number_ = 0;
  std::size_t start_ = 0;
};

// Parses `text` (UTF-8, no BOM) and calls `on_document` for each document as soon as it is
// complete. A callback returning a non-ok Status stops the parse with that status. Parse errors
// carry the document number, line and column. `max_depth` bounds nesting.
Status ParseYamlDocuments(std::string_view text, int max_depth,
                          const std::function<Status(const YamlDocument&)>& on_document);

}  // namespace traceassist::instrument
