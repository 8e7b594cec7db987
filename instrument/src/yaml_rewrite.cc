// RewriteManifests and DetectManifests: each document is checked (input_checks.h), each workload
// read into a neutral view the policy decides on, and the annotations it wants are spliced into the
// original bytes by the annotation editor (annotation_editor.h) at positions from yaml-cpp's marks;
// nothing else changes. The rewritten stream is read back before it is returned (verify.h).
#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "annotation_editor.h"
#include "input_checks.h"
#include "text_edit.h"
#include "traceassist/instrument/policy.h"
#include "traceassist/instrument/reason.h"
#include "traceassist/instrument/rewrite.h"
#include "verify.h"
#include "view_builder.h"
#include "yaml_tree.h"

namespace traceassist::instrument {
namespace {

using Type = YamlNode::Type;
constexpr std::uint32_t kNoNode = YamlDocument::kNoNode;

// ---------------------------------------------------------------------------------------------
// The view adapter over YamlDocument (see view_builder.h).

// The first key read that is written twice in its mapping: the view holds the first copy, the API
// server and most tooling read the last.
struct WrittenTwice {
  std::string key;        // empty: none
  std::string container;  // the container's name when the mapping is a container
  int line = 0;           // 1-based line of the second copy
};

struct YamlAdapter {
  const YamlDocument& doc;
  WrittenTwice* written_twice = nullptr;
  std::optional<std::uint32_t> Get(std::uint32_t map, std::string_view key) const {
    if (written_twice != nullptr && written_twice->key.empty()) {
      const YamlNode& m = doc.resolved(map);
      int copies = 0;
      for (std::uint32_t k = 0; m.type == Type::kMap && k + 1 < m.count; k += 2) {
        if (doc.Scalar(doc.child(m, k)) != key || ++copies != 2) continue;
        *written_twice = {std::string(key), {}, Line(doc.child(m, k))};
        if (key == "image") {
          if (const auto name = doc.Find(map, "name"))
            written_twice->container = doc.Scalar(name->value);
        }
      }
    }
    if (const auto e = doc.FindMerged(map, key)) return e->value;
    return std::nullopt;
  }
  bool IsMap(std::uint32_t n) const { return doc.resolved(n).type == Type::kMap; }
  bool IsSeq(std::uint32_t n) const { return doc.resolved(n).type == Type::kSeq; }
  int Line(std::uint32_t n) const { return static_cast<int>(doc.node(n).line) + 1; }
  std::string Scalar(std::uint32_t n) const { return std::string(doc.Scalar(n)); }
  std::vector<std::uint32_t> Items(std::uint32_t seq) const {
    std::vector<std::uint32_t> items;
    const YamlNode& s = doc.resolved(seq);
    if (s.type != Type::kSeq) return items;
    for (std::uint32_t k = 0; k < s.count; ++k) items.push_back(doc.child(s, k));
    return items;
  }
  template <typename F>
  void ForEachEntry(std::uint32_t map, F f) const {
    doc.ForEachMergedEntry(map, [&](std::uint32_t key, std::uint32_t value) {
      f(std::string(doc.Scalar(key)), std::string(doc.Scalar(value)));
    });
  }
};

// ---------------------------------------------------------------------------------------------

class StreamRewriter {
 public:
  StreamRewriter(std::string_view text, const Options& options, bool plan_edits)
      : text_(text), options_(options), plan_edits_(plan_edits) {}

  Status OnDocument(const YamlDocument& doc) {
    documents_ = doc.number();
    document_starts_.push_back(doc.start());
    if (Status s = CheckDocument(text_, doc); !s.ok()) return s;
    const std::uint32_t root = doc.root();
    if (root == kNoNode || doc.resolved(root).type != Type::kMap) return Status::Ok();
    const auto kind_entry = doc.FindMerged(root, "kind");
    const std::string_view kind = kind_entry ? doc.Scalar(kind_entry->value) : std::string_view();
    // kind: List and the typed lists (DeploymentList, PodList, ...) that `kubectl get -o yaml`
    // writes.
    if (kind.size() >= 4 && kind.substr(kind.size() - 4) == "List") {
      if (const auto items = doc.FindMerged(root, "items")) {
        const YamlNode& seq = doc.resolved(items->value);
        if (seq.type == Type::kSeq) {
          // A typed list's items as the API server lists them carry no kind: reported, not read.
          const std::string_view listed = kind == "List" ? "" : kind.substr(0, kind.size() - 4);
          for (std::uint32_t k = 0; k < seq.count; ++k) Object(doc, doc.child(seq, k), listed);
        }
      }
      return Status::Ok();
    }
    Object(doc, root);
    return Status::Ok();
  }

  // The rewritten stream; `splices` receives the edits' footprints in the order applied.
  RewriteOutput Finish(std::string_view prefix, std::vector<Splice>& splices) && {
    std::stable_sort(edits_.begin(), edits_.end(), ApplyOrder);
    for (const auto& e : edits_) splices.push_back({e.pos, e.erase, e.insert.size()});
    RewriteOutput out;
    out.text = std::string(prefix);
    out.text += ApplyEdits(text_, std::move(edits_));
    out.report = std::move(report_);
    out.documents = documents_;
    out.lines = static_cast<int>(std::count(text_.begin(), text_.end(), '\n'));
    return out;
  }
  const std::vector<std::size_t>& document_starts() const { return document_starts_; }

 private:
  // `listed`: the kind of the items of the typed list holding `node` (empty for none and `List`).
  void Object(const YamlDocument& doc, std::uint32_t node, std::string_view listed = {}) {
    if (doc.resolved(node).type != Type::kMap) return;
    const auto kind_entry = doc.FindMerged(node, "kind");
    const auto api_entry = doc.FindMerged(node, "apiVersion");
    const bool kindless = !kind_entry && IsWorkloadKind(listed);
    const std::string_view kind = kind_entry ? doc.Scalar(kind_entry->value)
                                  : kindless ? listed
                                             : std::string_view();
    const std::string_view api = api_entry ? doc.Scalar(api_entry->value) : std::string_view();
    if (!IsWorkloadKind(kind)) return;
    if (kindless || !IsWorkloadApiVersion(kind, api)) {
      // A custom resource that reuses a workload kind's name, or a list item without its kind:
      // say why it was left alone.
      ObjectReport r;
      r.document = doc.number();
      r.line = YamlAdapter{doc}.Line(node);
      r.kind = std::string(kind);
      if (const auto meta = doc.FindMerged(node, "metadata")) {
        if (const auto name = doc.FindMerged(meta->value, "name"))
          r.name = std::string(doc.Scalar(name->value));
      }
      r.status = ObjectStatus::kSkipped;
      r.reasons.emplace_back(ToString(Reason::kUnsupportedKind));
      if (kindless) {
        report_.warnings.push_back(
            {doc.number(), r.Ref(), r.reasons.back(),
             fmt::format("an item of a {}List without kind and apiVersion is not read; add them "
                         "(kubectl get -o yaml writes them)",
                         kind),
             r.line});
      }
      report_.objects.push_back(std::move(r));
      return;
    }

    WrittenTwice twice;
    const WorkloadView view = BuildWorkloadView(YamlAdapter{doc, &twice}, doc.Resolve(node), kind);
    Decision d = Decide(view, options_);
    std::optional<Failure> failure;
    std::vector<TextEdit> planned;
    const bool plan = plan_edits_ && d.changes();
    if (plan) {
      AnnotationEditor editor(text_, doc, options_.quote_style);
      failure = editor.Plan(doc.Resolve(node), kind, d, planned);
    }
    const bool only_removing = d.set.empty() && !d.remove.empty();
    const bool read_twice =
        !failure && !twice.key.empty() && options_.action != Action::kRemove && !only_removing;
    if (read_twice) {
      // What was decided (or written earlier, or detected) may not be what runs (`containers:`
      // twice: the first list's language and names), whether or not there is something to set.
      // Removing what TraceAssist wrote stays possible.
      failure = Failure{
          Reason::kUnsupportedLayout,
          fmt::format(
              "`{}` is written twice in one mapping{} (line {}: TraceAssist would read "
              "the first, Kubernetes reads the last)",
              twice.key,
              twice.container.empty() ? "" : fmt::format(" of container {}", twice.container),
              twice.line)};
    }
    if (failure) {
      d.report.status = ObjectStatus::kSkipped;
      const std::string code(ToString(failure->reason));
      d.report.reasons.insert(d.report.reasons.begin(), code);
      d.report.annotations_added.clear();
      d.report.annotations_removed.clear();
      for (auto& c : d.report.containers) {
        if (c.instrumented) c.reason = code;
        c.instrumented = false;
      }
      d.warnings.push_back(
          {0, d.report.Ref(), code,
           FormatReason(Info(failure->reason).message,
                        {.lang = {}, .confidence = {}, .key = {}, .detail = failure->detail}),
           read_twice ? twice.line : d.report.line});
    } else if (plan) {
      edits_.insert(edits_.end(), std::make_move_iterator(planned.begin()),
                    std::make_move_iterator(planned.end()));
      report_.changes_made = true;
    }
    d.report.document = doc.number();
    for (auto& w : d.warnings) {
      w.document = doc.number();
      report_.warnings.push_back(std::move(w));
    }
    report_.objects.push_back(std::move(d.report));
  }

  std::string_view text_;
  const Options& options_;
  bool plan_edits_;
  std::vector<TextEdit> edits_;
  Report report_;
  int documents_ = 0;
  std::vector<std::size_t> document_starts_;
};

Result<RewriteOutput> Run(std::string_view input, const Options& options, const TextLimits& limits,
                          bool plan_edits) {
  if (input.size() > limits.max_bytes) {
    return Status::LimitExceeded(
        fmt::format("input is {} bytes; the limit is {} bytes", input.size(), limits.max_bytes));
  }
  std::string_view bom;
  std::string_view text = input;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    bom = text.substr(0, 3);
    text.remove_prefix(3);  // yaml-cpp strips it and counts positions after it
  }
  if (Status s = CheckEncoding(text); !s.ok()) return s;

  Options resolved = options;  // kMatchFile looks at the whole input once
  resolved.quote_style = ResolveQuoteStyle(options.quote_style, text);
  StreamRewriter rewriter(text, resolved, plan_edits);
  Status s = ParseYamlDocuments(text, limits.max_depth,
                                [&](const YamlDocument& doc) { return rewriter.OnDocument(doc); });
  if (!s.ok()) {
    if (text.find("{{") != std::string_view::npos &&
        s.message().find("Helm") == std::string::npos) {
      return Status::Error(
          s.code(),
          s.message() + " (the input contains `{{`: if it is a Helm template, render it first)",
          s.where());
    }
    return s;
  }
  std::vector<Splice> splices;
  const std::vector<std::size_t> starts = rewriter.document_starts();
  RewriteOutput out = std::move(rewriter).Finish(bom, splices);
  if (plan_edits && out.report.changes_made) {
    // The safety net (verify.h); the added annotations nest at most three levels deeper.
    const std::string_view rewritten = std::string_view(out.text).substr(bom.size());
    if (Status v = VerifyChangedDocuments(text, splices, starts, rewritten, out.report,
                                          limits.max_depth + 3);
        !v.ok())
      return v;
  }
  return out;
}

}  // namespace

Result<RewriteOutput> RewriteManifests(std::string_view input, const Options& options,
                                       const TextLimits& limits) {
  // No exception leaves the library: yaml-cpp's are handled inside; what remains is resource
  // exhaustion.
  try {
    return Run(input, options, limits, true);
  } catch (const std::bad_alloc&) {
    return Status::LimitExceeded("out of memory while reading the input");
  } catch (const std::exception& e) {
    return Status::Internal(std::string("internal error: ") + e.what());
  }
}

Result<Report> DetectManifests(std::string_view input, const Options& options,
                               const TextLimits& limits) {
  Result<RewriteOutput> result = Status::Internal("not run");
  try {
    result = Run(input, options, limits, false);
  } catch (const std::bad_alloc&) {
    return Status::LimitExceeded("out of memory while reading the input");
  } catch (const std::exception& e) {
    return Status::Internal(std::string("internal error: ") + e.what());
  }
  if (!result.ok()) return result.status();
  return std::move(result.value().report);
}

}  // namespace traceassist::instrument
