#include "image_inspection.h"

#include <array>
#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "server_metrics.h"
#include "traceassist/registry/client.h"

namespace traceassist::webhook {

using Clock = std::chrono::steady_clock;
using registry::Inspection;
using registry::Outcome;

constexpr int kOutcomes = 6;
constexpr auto kRememberFailures = std::chrono::minutes(1);

// Warnings are cut at 120 characters: the repository's last component and the tag say enough.
std::string ShortName(const std::string& image) { return image.substr(image.rfind('/') + 1); }

struct ImageInspection::State {
  explicit State(registry::RegistryOptions options, std::size_t entries)
      : cache(std::make_shared<registry::FactsCache>(entries)), client(std::move(options), cache) {}
  std::shared_ptr<registry::FactsCache> cache;
  registry::RegistryClient client;
  std::mutex mu;
  std::map<std::string, std::shared_future<Inspection>> in_flight;
  std::map<std::string, std::pair<Clock::time_point, Inspection>> failures;
  std::array<std::atomic<std::uint64_t>, kOutcomes> outcomes{};
  Histogram fetch_seconds{{0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30}};

  void Count(Outcome outcome) {
    outcomes[static_cast<int>(outcome)].fetch_add(1, std::memory_order_relaxed);
  }

  // The fetch of `reference`, started if none runs (under mu).
  std::shared_future<Inspection> Fetch(const std::string& reference,
                                       const std::shared_ptr<State>& self) {
    if (auto it = in_flight.find(reference); it != in_flight.end()) return it->second;
    auto task = std::make_shared<std::packaged_task<Inspection()>>([self, reference] {
      return self->client.Inspect(reference,
                                  Clock::now() + self->client.options().inspection_timeout);
    });
    auto future = task->get_future().share();
    in_flight[reference] = future;
    std::thread([self, task, reference, future] {
      (*task)();
      const Inspection& result = future.get();
      self->fetch_seconds.Observe(std::chrono::duration<double>(result.latency).count());
      std::lock_guard lock(self->mu);
      self->in_flight.erase(reference);
      if (!result.facts) self->failures[reference] = {Clock::now(), result};
    }).detach();
    return future;
  }
};

ImageInspection::ImageInspection(registry::RegistryOptions options, std::size_t cache_entries)
    : state_(std::make_shared<State>(std::move(options), cache_entries)) {}

ImageInspection::~ImageInspection() = default;

instrument::ImageFactsLookup ImageInspection::Prepare(const std::vector<std::string>& images,
                                                      Clock::time_point deadline,
                                                      std::vector<std::string>& warnings) {
  using Ready = std::map<std::string, std::shared_ptr<const instrument::ImageFacts>, std::less<>>;
  auto ready = std::make_shared<Ready>();
  std::vector<std::pair<std::string, std::shared_future<Inspection>>> waiting;
  auto note = [&](const std::string& image, const Inspection& result) {
    state_->Count(result.outcome);
    if (result.facts) {
      (*ready)[image] = result.facts;
    } else {
      warnings.push_back("traceassist: image " + ShortName(image) + " not inspected (" +
                         std::string(registry::OutcomeName(result.outcome)) +
                         "): " + result.message);
    }
  };
  for (const auto& image : images) {
    Inspection cached = state_->client.Cached(image);
    if (cached.outcome == Outcome::kCacheHit || cached.outcome == Outcome::kInvalidReference) {
      note(image, cached);
      continue;
    }
    std::lock_guard lock(state_->mu);
    if (auto failed = state_->failures.find(image); failed != state_->failures.end()) {
      if (Clock::now() - failed->second.first < kRememberFailures) {
        note(image, failed->second.second);
        continue;
      }
      state_->failures.erase(failed);
    }
    waiting.emplace_back(image, state_->Fetch(image, state_));
  }
  for (auto& [image, future] : waiting) {
    if (future.wait_until(deadline) == std::future_status::ready) {
      note(image, future.get());
      continue;
    }
    state_->Count(Outcome::kTimeout);
    warnings.push_back("traceassist: image " + ShortName(image) +
                       " not ready within the budget; decided without it, fetching in background");
  }
  return [ready](std::string_view reference) -> const instrument::ImageFacts* {
    const auto it = ready->find(reference);
    return it == ready->end() ? nullptr : it->second.get();
  };
}

instrument::ImageFactsLookup ImageInspection::Blocking(Clock::time_point deadline) {
  struct Held {
    std::mutex mu;
    std::map<std::string, std::shared_ptr<const instrument::ImageFacts>, std::less<>> facts;
  };
  auto held = std::make_shared<Held>();
  return [this, held, deadline](std::string_view reference) -> const instrument::ImageFacts* {
    {
      std::lock_guard lock(held->mu);
      if (auto it = held->facts.find(reference); it != held->facts.end()) return it->second.get();
    }
    std::vector<std::string> ignored;  // the API's report says what detection found
    auto lookup = Prepare({std::string(reference)}, deadline, ignored);
    const auto* facts = lookup(reference);
    std::lock_guard lock(held->mu);
    auto& slot = held->facts[std::string(reference)];
    if (facts != nullptr) slot = std::make_shared<instrument::ImageFacts>(*facts);
    return slot.get();
  };
}

void ImageInspection::Render(common::MetricsText& text) const {
  text.Counter("traceassist_image_inspections_total",
               "Images looked up for a request, by outcome (cache_hit, fetched, timeout = past the "
               "review's budget, denied by the registry policy, error, invalid_reference)");
  for (int i = 0; i < kOutcomes; ++i) {
    const auto name = registry::OutcomeName(static_cast<Outcome>(i));
    text.Sample(static_cast<double>(state_->outcomes[i].load(std::memory_order_relaxed)),
                {{"outcome", name}});
  }
  text.Histogram("traceassist_image_fetch_seconds",
                 "Time of background image inspections (registry fetches)");
  state_->fetch_seconds.AddTo(text, {});
}

}  // namespace traceassist::webhook
