#include "yaml_tree.h"

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <sstream>
#include <unordered_map>

namespace traceassist::instrument {

std::optional<YamlDocument::Entry> YamlDocument::Find(std::uint32_t map,
                                                      std::string_view key) const {
  const YamlNode& m = resolved(map);
  if (m.type != YamlNode::Type::kMap) return std::nullopt;
  for (std::uint32_t k = 0; k + 1 < m.count; k += 2) {
    const std::uint32_t key_node = child(m, k);
    const YamlNode& kn = resolved(key_node);
    if (kn.type == YamlNode::Type::kScalar && kn.value == key)
      return Entry{key_node, child(m, k + 1)};
  }
  return std::nullopt;
}

namespace {
// Merged maps may merge others in turn; a cycle is refused before detection reads the document
// (CheckAliasExpansion), and this bound keeps a lookup finite whatever it is given.
constexpr int kMaxMergeDepth = 32;
}  // namespace

std::vector<std::uint32_t> YamlDocument::MergedMaps(std::uint32_t map) const {
  std::vector<std::uint32_t> maps;
  const auto merge = Find(map, kMergeKey);
  if (!merge) return maps;
  const YamlNode& v = resolved(merge->value);
  if (v.type == YamlNode::Type::kMap) {
    maps.push_back(Resolve(merge->value));
  } else if (v.type == YamlNode::Type::kSeq) {
    for (std::uint32_t k = 0; k < v.count; ++k) {
      if (resolved(child(v, k)).type == YamlNode::Type::kMap) maps.push_back(Resolve(child(v, k)));
    }
  }
  return maps;
}

std::optional<YamlDocument::Entry> YamlDocument::FindMerged(std::uint32_t map,
                                                            std::string_view key) const {
  return FindMerged(map, key, 0);
}

std::optional<YamlDocument::Entry> YamlDocument::FindMerged(std::uint32_t map, std::string_view key,
                                                            int depth) const {
  if (auto e = Find(map, key); e || depth >= kMaxMergeDepth) return e;
  for (std::uint32_t merged : MergedMaps(map)) {
    if (auto e = FindMerged(merged, key, depth + 1)) return e;
  }
  return std::nullopt;
}

void YamlDocument::ForEachMergedEntry(
    std::uint32_t map, const std::function<void(std::uint32_t, std::uint32_t)>& f) const {
  std::vector<std::string_view> seen;
  // Depth first: a merged map's own merges come before the next merged map, as in YAML.
  std::function<void(std::uint32_t, int)> visit = [&](std::uint32_t m, int depth) {
    const YamlNode& n = resolved(m);
    if (n.type != YamlNode::Type::kMap) return;
    for (std::uint32_t k = 0; k + 1 < n.count; k += 2) {
      const YamlNode& key = resolved(child(n, k));
      if (key.type != YamlNode::Type::kScalar || key.value == kMergeKey) continue;
      const bool known = std::find(seen.begin(), seen.end(), key.value) != seen.end();
      if (known && depth > 0) continue;  // overridden; duplicates of the map itself stay
      if (!known) seen.push_back(key.value);
      f(child(n, k), child(n, k + 1));
    }
    if (depth >= kMaxMergeDepth) return;
    for (std::uint32_t merged : MergedMaps(m)) visit(merged, depth + 1);
  };
  visit(map, 0);
}

std::string_view YamlDocument::Scalar(std::uint32_t i) const {
  const YamlNode& n = resolved(i);
  return n.type == YamlNode::Type::kScalar ? std::string_view(n.value) : std::string_view();
}

namespace {

struct TooDeep {
  YAML::Mark mark;
};

// yaml-cpp 0.7 never consumes a flow entry (`,`) at the start of a document: HandleNextDocument
// then reports an empty document at the same position forever (",\n" hangs the parser and LoadAll).
struct NoProgress {
  YAML::Mark mark;
};

}  // namespace

// Builds YamlDocuments from parser events; hands each finished document to the callback.
class YamlTreeBuilder : public YAML::EventHandler {
 public:
  YamlTreeBuilder(int max_depth, const std::function<Status(const YamlDocument&)>& on_document)
      : max_depth_(max_depth), on_document_(on_document) {}

  const Status& status() const { return status_; }
  // The number of the document being read (1-based): one more than the documents completed.
  int current_document() const { return completed_ + 1; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    // Two documents cannot start at the same token: the parser is not moving.
    if (mark.pos == last_document_pos_) throw NoProgress{mark};
    last_document_pos_ = mark.pos;
    doc_.nodes_.clear();
    doc_.children_.clear();
    doc_.root_ = YamlDocument::kNoNode;
    doc_.complex_key_ = YamlDocument::kNoNode;
    ++doc_.number_;
    doc_.start_ = static_cast<std::size_t>(std::max(mark.pos, 0));
    anchors_.clear();
  }
  void OnDocumentEnd() override {
    ++completed_;
    if (status_.ok()) status_ = on_document_(doc_);
  }
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Add(Make(YamlNode::Type::kNull, mark), anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    YamlNode n = Make(YamlNode::Type::kAlias, mark);
    const auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      n.type = YamlNode::Type::kNull;  // yaml-cpp rejects unknown anchors before we get here
    } else {
      n.target = it->second;
      doc_.nodes_[it->second].aliased = true;
    }
    Add(std::move(n));
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    YamlNode n = Make(YamlNode::Type::kScalar, mark);
    n.value = value;
    (void)tag;
    Add(std::move(n), anchor);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override {
    Open(YamlNode::Type::kSeq, mark, anchor, style);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override {
    Open(YamlNode::Type::kMap, mark, anchor, style);
  }
  void OnMapEnd() override { Close(); }

 private:
  YamlNode Make(YamlNode::Type type, const YAML::Mark& mark) {
    YamlNode n;
    n.type = type;
    n.pos = static_cast<std::size_t>(std::max(mark.pos, 0));
    n.line = mark.line;
    n.column = mark.column;
    return n;
  }

  std::uint32_t Add(YamlNode n, YAML::anchor_t anchor = YAML::NullAnchor) {
    const auto index = static_cast<std::uint32_t>(doc_.nodes_.size());
    if (anchor != YAML::NullAnchor) anchors_[anchor] = index;
    doc_.nodes_.push_back(std::move(n));
    if (stack_.empty()) {
      doc_.root_ = index;
    } else {
      const Frame& parent = stack_.back();
      const bool is_key = (pending_.size() - parent.pending_start) % 2 == 0;
      const auto type = doc_.nodes_[index].type;
      if (is_key && doc_.nodes_[parent.node].type == YamlNode::Type::kMap &&
          (type == YamlNode::Type::kMap || type == YamlNode::Type::kSeq) &&
          doc_.complex_key_ == YamlDocument::kNoNode) {
        doc_.complex_key_ = index;
      }
      pending_.push_back(index);
    }
    return index;
  }

  void Open(YamlNode::Type type, const YAML::Mark& mark, YAML::anchor_t anchor,
            YAML::EmitterStyle::value style) {
    if (static_cast<int>(stack_.size()) >= max_depth_) throw TooDeep{mark};
    YamlNode n = Make(type, mark);
    n.flow = style == YAML::EmitterStyle::Flow;
    const std::uint32_t index = Add(std::move(n), anchor);
    stack_.push_back({index, pending_.size()});
  }

  void Close() {
    const Frame frame = stack_.back();
    stack_.pop_back();
    YamlNode& n = doc_.nodes_[frame.node];
    n.first = static_cast<std::uint32_t>(doc_.children_.size());
    n.count = static_cast<std::uint32_t>(pending_.size() - frame.pending_start);
    doc_.children_.insert(doc_.children_.end(),
                          pending_.begin() + static_cast<std::ptrdiff_t>(frame.pending_start),
                          pending_.end());
    pending_.resize(frame.pending_start);
  }

  struct Frame {
    std::uint32_t node;
    std::size_t pending_start;
  };

  int max_depth_;
  const std::function<Status(const YamlDocument&)>& on_document_;
  YamlDocument doc_;
  std::vector<Frame> stack_;
  std::vector<std::uint32_t> pending_;
  std::unordered_map<YAML::anchor_t, std::uint32_t> anchors_;
  int completed_ = 0;
  int last_document_pos_ = -1;
  Status status_;
};

Status ParseYamlDocuments(std::string_view text, int max_depth,
                          const std::function<Status(const YamlDocument&)>& on_document) {
  // yaml-cpp reads from a std::istream; wrap the caller's bytes without copying them.
  struct ViewBuf : std::streambuf {
    explicit ViewBuf(std::string_view s) {
      char* p = const_cast<char*>(s.data());
      setg(p, p, p + s.size());
    }
  } buf(text);
  std::istream in(&buf);
  YamlTreeBuilder builder(max_depth, on_document);
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(builder)) {
      if (!builder.status().ok()) return builder.status();
    }
  } catch (const TooDeep& e) {
    return Status::LimitExceeded(fmt::format("nesting deeper than {} levels", max_depth),
                                 {builder.current_document(), e.mark.line + 1, e.mark.column + 1});
  } catch (const NoProgress& e) {
    const auto at = static_cast<std::size_t>(std::max(e.mark.pos, 0));
    const std::string what = at < text.size() ? fmt::format(" `{}`", text[at]) : std::string();
    return Status::InvalidInput(
        fmt::format("invalid YAML: unexpected{} at the start of a document", what),
        {builder.current_document() - 1, e.mark.line + 1, e.mark.column + 1});
  } catch (const YAML::DeepRecursion& e) {
    return Status::LimitExceeded("nesting too deep for the YAML parser",
                                 {builder.current_document(), e.mark.line + 1, e.mark.column + 1});
  } catch (const YAML::Exception& e) {
    // yaml-cpp marks are 0-based; what() already prints 1-based numbers, so use msg.
    Location where{builder.current_document(), e.mark.line + 1, e.mark.column + 1};
    if (e.mark.is_null()) where.line = where.column = 0;
    return Status::InvalidInput("invalid YAML: " + e.msg, where);
  }
  return builder.status();
}

}  // namespace traceassist::instrument
