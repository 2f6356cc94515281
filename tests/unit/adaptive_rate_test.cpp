// The pace of password calls per account and endpoint: AIMD on throttling, Retry-After, and a
// decorator that waits for turns on the clock and never sends a call twice.
#include "cloud/adaptive_rate.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <deque>
#include <thread>

#include "cloud/outcome.hpp"
#include "cloud/paced_api.hpp"
#include "testing/fake_cloud.hpp"
#include "testing/fake_http.hpp"

namespace rotor::cloud {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
const TimePoint kT0 = TimePoint{} + std::chrono::hours(24 * 365 * 56);

AdaptiveRateOptions opts(double initial) {
  AdaptiveRateOptions o;
  o.initial_per_s = initial;
  o.min_per_s = 0.5;
  o.max_per_s = 100;
  o.increase_per_s = 1;
  o.decrease = 0.5;
  o.max_wait = seconds(5);
  return o;
}

TEST(AdaptiveRate, SpacesTurnsByTheRate) {
  AdaptiveRate r(opts(4));
  const auto a = r.reserve(kT0), b = r.reserve(kT0), c = r.reserve(kT0);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->send_at, kT0);
  EXPECT_FALSE(a->waited);
  EXPECT_EQ(b->send_at, kT0 + milliseconds(250));
  EXPECT_TRUE(b->waited);
  EXPECT_EQ(c->send_at, kT0 + milliseconds(500));
  // A caller arriving after a quiet spell is not held back by turns nobody took.
  const auto d = r.reserve(kT0 + seconds(10));
  EXPECT_EQ(d->send_at, kT0 + seconds(10));
}

TEST(AdaptiveRate, UnpacedUntilTheFirstThrottleThenFromWhatWentOutInTheSecondBefore) {
  AdaptiveRate r;  // defaults: initial 0, decrease 0.8
  // Ten calls in half a second go out at once: nothing has throttled yet.
  std::vector<RateSlot> slots;
  for (int i = 0; i < 10; ++i) {
    const TimePoint at = kT0 + milliseconds(50 * i);
    const auto slot = r.reserve(at);
    ASSERT_TRUE(slot);
    EXPECT_EQ(slot->send_at, at);
    EXPECT_FALSE(slot->waited);
    slots.push_back(*slot);
  }
  EXPECT_DOUBLE_EQ(r.stats().per_s, 0);
  // The tenth is throttled: 10 went out in the last second, so the pace is 0.8 * 10.
  r.on_answer(slots.back(), true, std::nullopt, kT0 + milliseconds(500));
  EXPECT_DOUBLE_EQ(r.stats().per_s, 8);
  const auto a = r.reserve(kT0 + milliseconds(500));
  const auto b = r.reserve(kT0 + milliseconds(500));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(b->send_at - a->send_at, milliseconds(125));
  // An earlier call's throttle arriving late does not cut the new pace again.
  r.on_answer(slots.front(), true, std::nullopt, kT0 + milliseconds(510));
  EXPECT_DOUBLE_EQ(r.stats().per_s, 8);
}

TEST(AdaptiveRate, ATurnBeyondMaxWaitIsRefusedAndNotReserved) {
  auto o = opts(1);
  o.max_wait = seconds(2);
  AdaptiveRate r(o);
  ASSERT_TRUE(r.reserve(kT0));   // now
  ASSERT_TRUE(r.reserve(kT0));   // +1 s
  ASSERT_TRUE(r.reserve(kT0));   // +2 s
  EXPECT_FALSE(r.reserve(kT0));  // +3 s: too far
  EXPECT_EQ(r.stats().turned_away, 1u);
  // The refusal took no turn: one second later, +3 s is 2 s away and is handed out.
  const auto next = r.reserve(kT0 + seconds(1));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->send_at, kT0 + seconds(3));
}

TEST(AdaptiveRate, SlowStartDoublesThenThrottleHalvesAndAdditiveIncreaseFollows) {
  AdaptiveRate r(opts(2));
  // Two answered calls that had waited: +1 each in slow start.
  RateSlot waited{kT0, true};
  r.on_answer(waited, false, std::nullopt, kT0);
  r.on_answer(waited, false, std::nullopt, kT0);
  EXPECT_DOUBLE_EQ(r.stats().per_s, 4);
  EXPECT_TRUE(r.stats().slow_start);
  // Calls that did not wait show no demand beyond the rate.
  r.on_answer(RateSlot{kT0, false}, false, std::nullopt, kT0);
  EXPECT_DOUBLE_EQ(r.stats().per_s, 4);
  // Throttled: halved, slow start over.
  r.on_answer(RateSlot{kT0 + seconds(1), true}, true, std::nullopt, kT0 + seconds(1));
  EXPECT_DOUBLE_EQ(r.stats().per_s, 2);
  EXPECT_FALSE(r.stats().slow_start);
  // Additive: each waited answer adds 1/rate, so a second's worth adds about 1.
  r.on_answer(waited, false, std::nullopt, kT0 + seconds(2));
  EXPECT_DOUBLE_EQ(r.stats().per_s, 2.5);
}

TEST(AdaptiveRate, ThrottlesOfCallsSentBeforeTheDecreaseDoNotDecreaseAgain) {
  AdaptiveRate r(opts(16));
  const TimePoint t = kT0 + seconds(1);
  // Three calls in flight at the old pace, all throttled: one decrease.
  for (int i = 0; i < 3; ++i) r.on_answer(RateSlot{kT0, true}, true, std::nullopt, t);
  EXPECT_DOUBLE_EQ(r.stats().per_s, 8);
  EXPECT_EQ(r.stats().throttled, 3u);
  EXPECT_EQ(r.stats().decreases, 1u);
  // A turn handed out before the decrease but sent after it: still the old pace.
  r.on_answer(RateSlot{t + milliseconds(10), true, 0}, true, std::nullopt, t + milliseconds(60));
  EXPECT_DOUBLE_EQ(r.stats().per_s, 8);
  // A turn handed out after it and still throttled: the new pace is too fast as well.
  const auto later = r.reserve(t + milliseconds(100));
  ASSERT_TRUE(later);
  r.on_answer(*later, true, std::nullopt, t + milliseconds(150));
  EXPECT_DOUBLE_EQ(r.stats().per_s, 4);
}

TEST(AdaptiveRate, NeverBelowMinNorAboveMax) {
  auto o = opts(1);
  o.max_per_s = 3;
  AdaptiveRate r(o);
  for (int i = 0; i < 10; ++i) {
    const auto slot = r.reserve(kT0 + seconds(20 * i));
    ASSERT_TRUE(slot);
    r.on_answer(*slot, true, std::nullopt, slot->send_at);
  }
  EXPECT_DOUBLE_EQ(r.stats().per_s, 0.5);
  for (int i = 0; i < 100; ++i)
    r.on_answer(RateSlot{kT0, true}, false, std::nullopt, kT0 + seconds(20));
  EXPECT_DOUBLE_EQ(r.stats().per_s, 3);
}

TEST(AdaptiveRate, RetryAfterHoldsEveryTurnUntilThen) {
  AdaptiveRate r(opts(10));
  r.on_answer(RateSlot{kT0, false}, true, seconds(3), kT0);
  const auto slot = r.reserve(kT0 + seconds(1));
  ASSERT_TRUE(slot);
  EXPECT_EQ(slot->send_at, kT0 + seconds(3));
  // A pause beyond max_wait turns callers away rather than holding a worker.
  r.on_answer(RateSlot{kT0 + seconds(3), true}, true, seconds(60), kT0 + seconds(3));
  EXPECT_FALSE(r.reserve(kT0 + seconds(4)));
}

TEST(AdaptiveRate, RefusesNonsenseOptions) {
  auto o = opts(1);
  o.decrease = 1;
  EXPECT_THROW(AdaptiveRate{o}, std::invalid_argument);
  o = opts(1);
  o.min_per_s = 2;
  EXPECT_THROW(AdaptiveRate{o}, std::invalid_argument);
  o = opts(0);  // unpaced at first: fine
  EXPECT_NO_THROW(AdaptiveRate{o});
}

// Against a gateway that lets R calls a second through (a token bucket of R), a steady
// demand converges near R: the time for N calls stays within a few percent of N / R.
TEST(AdaptiveRate, ConvergesOnAGatewayTokenBucket) {
  for (const double limit : {5.0, 20.0, 80.0}) {
    AdaptiveRateOptions o;
    AdaptiveRate r(o);
    double tokens = limit;
    TimePoint now = kT0, last = kT0;
    int done = 0, throttled = 0;
    const int n = static_cast<int>(limit * 60);
    while (done < n) {
      const auto slot = r.reserve(now);
      if (!slot) {
        now += milliseconds(100);
        continue;
      }
      now = slot->send_at;
      tokens = std::min(limit, tokens + limit * std::chrono::duration<double>(now - last).count());
      last = now;
      const bool ok = tokens >= 1;
      if (ok) {
        tokens -= 1;
        ++done;
      } else {
        ++throttled;
      }
      r.on_answer(*slot, !ok, std::nullopt, now + milliseconds(50));
    }
    const double ideal = n / limit;
    const double took = std::chrono::duration<double>(now - kT0).count();
    EXPECT_LT(took, ideal * 1.05) << "limit " << limit << ": " << took << " s for " << n;
    EXPECT_LT(throttled, n / 10) << "limit " << limit;
  }
}

// --- PacedPasswordApi ---------------------------------------------------------------------

struct PacedFixture {
  ManualClock clock{kT0};
  std::shared_ptr<rotor::testing::FakeCloud> cloud = std::make_shared<rotor::testing::FakeCloud>();
  RateRegistry registry{opts(1)};
  Endpoints endpoints{CloudKind::kHuaweiCloud, "eu-west-101", {}};
  PacedPasswordApi api{cloud, "CloudAccount/ns/a", endpoints, registry, clock};
  InstanceRef ref{"p", "i"};
};

TEST(PacedPasswordApi, ASecondCallWaitsForItsTurnOnTheClock) {
  PacedFixture f;
  f.cloud->passwords["i"] = "old";
  EXPECT_EQ(f.api.dcs_reset(f.ref, Secret("A-pass-1"), false).kind, OutcomeKind::kApplied);
  std::atomic<bool> returned{false};
  std::thread second([&] {
    f.api.dcs_reset(f.ref, Secret("A-pass-2"), false);
    returned = true;
  });
  while (f.clock.pending_timers() == 0) std::this_thread::yield();
  EXPECT_EQ(f.clock.next_timer(), kT0 + seconds(1));
  EXPECT_FALSE(returned.load());
  EXPECT_EQ(f.cloud->calls, 1);
  EXPECT_EQ(f.registry.waiting(), 1u);  // the worker pool sees a thread parked on a turn
  f.clock.advance(seconds(1));
  second.join();
  EXPECT_EQ(f.registry.waiting(), 0u);
  EXPECT_EQ(f.cloud->calls, 2);
  EXPECT_EQ(f.cloud->passwords["i"], "A-pass-2");
}

TEST(PacedPasswordApi, ThrottledAnswersGoBackOnceAndSlowTheEndpoint) {
  PacedFixture f;
  f.cloud->script = {rotor::testing::FakeCloud::Script::kThrottled};
  EXPECT_EQ(f.api.dcs_reset(f.ref, Secret("A-pass-1"), false).kind, OutcomeKind::kThrottled);
  EXPECT_EQ(f.cloud->calls, 1);  // not resent here: the rotation decides
  const auto stats = f.registry.snapshot();
  ASSERT_EQ(stats.size(), 3u);  // dcs, ddm, dms endpoints of the account
  const auto dcs = stats.at({"CloudAccount/ns/a", f.endpoints.base_url(Service::kDcs)});
  EXPECT_EQ(dcs.throttled, 1u);
  EXPECT_DOUBLE_EQ(dcs.per_s, 0.5);
  // The DDM endpoint keeps its own pace.
  EXPECT_DOUBLE_EQ(stats.at({"CloudAccount/ns/a", f.endpoints.base_url(Service::kDdm)}).per_s, 1);
}

TEST(PacedPasswordApi, ATurnTooFarAwayAnswersNotSentWithoutARequest) {
  PacedFixture f;
  auto rate = f.registry.get("CloudAccount/ns/a", f.endpoints.base_url(Service::kDcs));
  rate->on_answer(RateSlot{kT0, false, 0}, true, seconds(600), kT0);  // Retry-After: 10 min
  const auto o = f.api.dcs_change(f.ref, Secret("old"), Secret("A-pass-1"));
  EXPECT_EQ(o.kind, OutcomeKind::kNotSent);
  EXPECT_EQ(f.cloud->calls, 0);
  EXPECT_EQ(o.message.find("A-pass-1"), std::string::npos);
}

TEST(PacedPasswordApi, CloseReleasesACallParkedOnItsTurnWithoutSendingIt) {
  PacedFixture f;
  EXPECT_EQ(f.api.dcs_reset(f.ref, Secret("A-pass-1"), false).kind, OutcomeKind::kApplied);
  Outcome parked;
  std::thread second([&] { parked = f.api.dcs_reset(f.ref, Secret("A-pass-2"), false); });
  while (f.registry.waiting() == 0) std::this_thread::yield();
  f.registry.close();
  second.join();
  EXPECT_EQ(parked.kind, OutcomeKind::kNotSent);
  EXPECT_EQ(f.cloud->calls, 1);
  EXPECT_EQ(f.clock.pending_timers(), 0u);  // its timer was cancelled
  // Closed for good: later calls are not sent either.
  f.clock.advance(seconds(10));
  EXPECT_EQ(f.api.dcs_reset(f.ref, Secret("A-pass-3"), false).kind, OutcomeKind::kNotSent);
}

TEST(Outcome, ThrottledAnswerCarriesRetryAfterInSeconds) {
  http::Headers h;
  h.set("Retry-After", "7");
  auto o = interpret(CallKind::kDcsReset,
                     rotor::testing::FakeHttpClient::answer(
                         429, R"({"error_code":"APIG.0308","error_msg":"throttled"})", h));
  EXPECT_EQ(o.kind, OutcomeKind::kThrottled);
  ASSERT_TRUE(o.retry_after);
  EXPECT_EQ(o.retry_after->count(), 7);
  // The HTTP-date form and garbage are ignored; huge values are capped at an hour.
  for (const auto& [value, expected] : std::vector<std::pair<std::string, long>>{
           {"Wed, 21 Oct 2026 07:28:00 GMT", -1}, {"-3", -1}, {"", -1}, {"999999", 3600}}) {
    h.set("Retry-After", value);
    o = interpret(CallKind::kDcsReset, rotor::testing::FakeHttpClient::answer(429, "{}", h));
    EXPECT_EQ(o.kind, OutcomeKind::kThrottled);
    if (expected < 0) {
      EXPECT_FALSE(o.retry_after) << value;
    } else {
      ASSERT_TRUE(o.retry_after) << value;
      EXPECT_EQ(o.retry_after->count(), expected);
    }
  }
}

}  // namespace
}  // namespace rotor::cloud
