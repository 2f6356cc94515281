#include "schedule/tzfile.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

namespace rotor::schedule {
namespace {

constexpr std::int64_t kDay = 86400;

bool is_leap(std::int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

// --- POSIX TZ strings ---------------------------------------------------------------------

struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  bool done() const { return i >= s.size(); }
  char peek() const { return done() ? '\0' : s[i]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++i;
    return true;
  }
  bool number(int max, int& out) {
    std::size_t start = i;
    long v = 0;
    while (!done() && s[i] >= '0' && s[i] <= '9' && i - start < 4) v = v * 10 + (s[i++] - '0');
    out = static_cast<int>(v);
    return i > start && v <= max;
  }
};

// A zone abbreviation: three or more letters, or anything but '>' in angle brackets.
bool parse_abbrev(Cursor& c) {
  if (c.eat('<')) {
    while (!c.done() && c.peek() != '>') ++c.i;
    return c.eat('>');
  }
  std::size_t start = c.i;
  while (!c.done() &&
         ((c.peek() >= 'A' && c.peek() <= 'Z') || (c.peek() >= 'a' && c.peek() <= 'z')))
    ++c.i;
  return c.i - start >= 3;
}

// [+-]hh[:mm[:ss]]; hours up to 167 because RFC 8536 allows rule times beyond one day.
bool parse_hms(Cursor& c, std::int32_t& out) {
  int sign = 1;
  if (c.eat('-')) {
    sign = -1;
  } else {
    c.eat('+');
  }
  int h = 0, m = 0, sec = 0;
  if (!c.number(167, h)) return false;
  if (c.eat(':') && (!c.number(59, m) || (c.eat(':') && !c.number(59, sec)))) return false;
  out = sign * (h * 3600 + m * 60 + sec);
  return true;
}

bool parse_rule(Cursor& c, PosixTz::Rule& r) {
  if (c.eat('J')) {
    r.kind = PosixTz::Rule::kJulian1;
    if (!c.number(365, r.day) || r.day < 1) return false;
  } else if (c.eat('M')) {
    r.kind = PosixTz::Rule::kMonthWeekDay;
    if (!c.number(12, r.month) || r.month < 1 || !c.eat('.') || !c.number(5, r.week) ||
        r.week < 1 || !c.eat('.') || !c.number(6, r.day)) {
      return false;
    }
  } else {
    r.kind = PosixTz::Rule::kJulian0;
    if (!c.number(365, r.day)) return false;
  }
  r.time = 7200;
  return !c.eat('/') || parse_hms(c, r.time);
}

// The rule's instant in `year`, as local seconds.
std::int64_t rule_local(const PosixTz::Rule& r, std::int64_t year) {
  std::int64_t days = days_from_civil(year, 1, 1);
  if (r.kind == PosixTz::Rule::kJulian1) {
    days += r.day - 1 + (is_leap(year) && r.day >= 60 ? 1 : 0);  // Jn never counts Feb 29
  } else if (r.kind == PosixTz::Rule::kJulian0) {
    days += r.day;
  } else {
    days = days_from_civil(year, r.month, 1);
    int first_wd = weekday_from_days(days);
    int mday = 1 + (r.day - first_wd + 7) % 7 + (r.week - 1) * 7;
    while (mday > days_in_month(year, r.month)) mday -= 7;  // week 5 means "last"
    days += mday - 1;
  }
  return days * kDay + r.time;
}

// --- TZif ---------------------------------------------------------------------------------

struct Reader {
  std::string_view d;
  std::size_t pos = 0;
  bool has(std::size_t n) const { return d.size() - pos >= n; }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k) v = (v << 8) | static_cast<unsigned char>(d[pos++]);
    return v;
  }
  std::int64_t i64() {
    std::uint64_t v = 0;
    for (int k = 0; k < 8; ++k) v = (v << 8) | static_cast<unsigned char>(d[pos++]);
    return static_cast<std::int64_t>(v);
  }
};

struct Header {
  char version = 0;
  std::uint32_t isut = 0, isstd = 0, leap = 0, time = 0, type = 0, chars = 0;
};

bool read_header(Reader& r, Header& h) {
  if (!r.has(44) || r.d.substr(r.pos, 4) != "TZif") return false;
  h.version = r.d[r.pos + 4];
  r.pos += 20;
  h.isut = r.u32(), h.isstd = r.u32(), h.leap = r.u32();
  h.time = r.u32(), h.type = r.u32(), h.chars = r.u32();
  // Real files have a few thousand entries at most; the caps keep the size sums small.
  return h.type >= 1 && h.type <= 256 && h.time < (1u << 20) && h.chars < (1u << 16) &&
         h.leap < (1u << 16) && h.isut < (1u << 16) && h.isstd < (1u << 16);
}

std::size_t block_size(const Header& h, std::size_t time_size) {
  return h.time * (time_size + 1) + h.type * 6 + h.chars + h.leap * (time_size + 4) + h.isstd +
         h.isut;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 255 || name.front() == '/' || name.back() == '/' ||
      name.find("..") != std::string_view::npos || name.find("//") != std::string_view::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
           c == '_' || c == '-' || c == '+' || c == '.';
  });
}

}  // namespace

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = floor_div(y, 400);
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilDate civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = floor_div(z, 146097);
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

int weekday_from_days(std::int64_t days) {
  return static_cast<int>(days - floor_div(days + 4, 7) * 7 + 4);  // 1970-01-01 was Thursday
}

int days_in_month(std::int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

std::optional<PosixTz> PosixTz::parse(std::string_view text) {
  Cursor c{text};
  PosixTz tz;
  std::int32_t west = 0;
  if (!parse_abbrev(c) || !parse_hms(c, west)) return std::nullopt;
  tz.std_offset = -west;  // POSIX counts west of Greenwich as positive
  if (c.done()) return tz;
  if (!parse_abbrev(c)) return std::nullopt;
  tz.has_dst = true;
  tz.dst_offset = tz.std_offset + 3600;
  if (c.peek() != ',') {
    if (!parse_hms(c, west)) return std::nullopt;
    tz.dst_offset = -west;
  }
  // Zone files always spell the rules out, so the implementation-defined default is moot.
  if (!c.eat(',') || !parse_rule(c, tz.start) || !c.eat(',') || !parse_rule(c, tz.end)) {
    return std::nullopt;
  }
  if (!c.done()) return std::nullopt;
  return tz;
}

std::int32_t PosixTz::offset_at(std::int64_t u) const {
  if (!has_dst) return std_offset;
  const std::int64_t year = civil_from_days(floor_div(u + std_offset, kDay)).year;
  const std::int64_t start_u = rule_local(start, year) - std_offset;  // given in standard time
  const std::int64_t end_u = rule_local(end, year) - dst_offset;      // given in daylight time
  const bool dst = start_u < end_u ? (start_u <= u && u < end_u)      // northern hemisphere
                                   : !(end_u <= u && u < start_u);    // southern hemisphere
  return dst ? dst_offset : std_offset;
}

std::shared_ptr<const TimeZone> TimeZone::utc() {
  static const auto zone = [] {
    auto z = std::make_shared<TimeZone>();
    z->name_ = "UTC";
    return std::shared_ptr<const TimeZone>(std::move(z));
  }();
  return zone;
}

std::shared_ptr<const TimeZone> TimeZone::from_tzif(std::string name, std::string_view data,
                                                    std::string& error) {
  Reader r{data};
  Header h;
  if (!read_header(r, h)) {
    error = "time zone \"" + name + "\": not a TZif file";
    return nullptr;
  }
  std::size_t time_size = 4;
  if (h.version >= '2') {  // skip the 32-bit block; the 64-bit one follows with a footer
    if (!r.has(block_size(h, 4))) h.type = 0;
    r.pos += block_size(h, 4);
    if (h.type == 0 || !read_header(r, h)) {
      error = "time zone \"" + name + "\": truncated TZif file";
      return nullptr;
    }
    time_size = 8;
  }
  if (h.leap != 0) {
    error = "time zone \"" + name + "\": leap-second (\"right/\") zones are not supported";
    return nullptr;
  }
  if (!r.has(block_size(h, time_size))) {
    error = "time zone \"" + name + "\": truncated TZif file";
    return nullptr;
  }
  auto zone = std::make_shared<TimeZone>();
  zone->name_ = std::move(name);
  std::vector<std::int64_t> times(h.time);
  for (auto& t : times) t = time_size == 8 ? r.i64() : static_cast<std::int32_t>(r.u32());
  std::vector<unsigned> index(h.time);
  for (auto& i : index) i = static_cast<unsigned char>(r.d[r.pos++]);
  std::vector<std::int32_t> type_offset(h.type);
  for (auto& o : type_offset) {
    o = static_cast<std::int32_t>(r.u32());
    r.pos += 2;  // isdst and the abbreviation index: not needed for offsets
  }
  r.pos += h.chars + h.isstd + h.isut;
  for (std::size_t i = 0; i < times.size(); ++i) {
    if (index[i] >= h.type || (i > 0 && times[i] <= times[i - 1])) {
      error = "time zone \"" + zone->name_ + "\": corrupt transition table";
      return nullptr;
    }
    zone->transitions_.push_back(times[i]);
    zone->offsets_.push_back(type_offset[index[i]]);
  }
  zone->initial_offset_ = type_offset[0];  // RFC 8536: type 0 applies before the first one
  if (time_size == 8 && r.has(2) && r.d[r.pos] == '\n') {
    const std::size_t end = r.d.find('\n', r.pos + 1);
    // An unparsable footer leaves the table's last offset in force rather than failing the
    // zone: the table alone is right until 2037 in Debian's (non-slim) files.
    if (end != std::string_view::npos && end > r.pos + 1) {
      zone->footer_ = PosixTz::parse(r.d.substr(r.pos + 1, end - r.pos - 1));
    }
  }
  return zone;
}

std::shared_ptr<const TimeZone> TimeZone::load(std::string_view name, std::string& error) {
  if (name.empty() || name == "UTC") return utc();
  if (!valid_name(name)) {
    error = "invalid time zone name \"" + std::string(name) +
            "\": use an IANA name such as Europe/Berlin";
    return nullptr;
  }
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const TimeZone>, std::less<>> cache;
  {
    std::lock_guard lock(mu);
    if (auto it = cache.find(name); it != cache.end()) return it->second;
  }
  const char* env = std::getenv("TZDIR");
  const std::filesystem::path dir = env != nullptr && *env != '\0' ? env : "/usr/share/zoneinfo";
  const std::filesystem::path path = dir / std::string(name);
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    error = "time zone \"" + std::string(name) + "\": no time zone database at " + dir.string() +
            " (install the tzdata package)";
    return nullptr;
  }
  if (!std::filesystem::is_regular_file(path, ec)) {
    error = "unknown time zone \"" + std::string(name) + "\" (not in " + dir.string() + ")";
    return nullptr;
  }
  constexpr std::uintmax_t kMaxSize = 1 << 20;  // real zone files are a few KiB
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  std::string data(ec || size > kMaxSize ? 0 : size, '\0');
  std::ifstream in(path, std::ios::binary);
  if (ec || size > kMaxSize || !in.read(data.data(), static_cast<std::streamsize>(data.size()))) {
    error = "time zone \"" + std::string(name) + "\": cannot read " + path.string();
    return nullptr;
  }
  auto zone = from_tzif(std::string(name), data, error);
  if (!zone) return nullptr;
  std::lock_guard lock(mu);
  return cache.try_emplace(std::string(name), std::move(zone)).first->second;
}

std::int32_t TimeZone::offset_at(std::int64_t u) const {
  if (transitions_.empty()) return footer_ ? footer_->offset_at(u) : initial_offset_;
  if (u < transitions_.front()) return initial_offset_;
  if (u >= transitions_.back() && footer_) return footer_->offset_at(u);
  const auto it = std::upper_bound(transitions_.begin(), transitions_.end(), u);
  return offsets_[static_cast<std::size_t>(it - transitions_.begin() - 1)];
}

LocalMapping TimeZone::resolve(std::int64_t local) const {
  const std::int32_t before = offset_at(local - kDay);
  const std::int32_t after = offset_at(local + kDay);
  std::vector<std::int64_t> found;
  for (std::int32_t o : {before, offset_at(local), after}) {
    if (offset_at(local - o) == o) found.push_back(local - o);
  }
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  if (found.size() == 1) return {LocalMapping::kUnique, found[0], found[0]};
  if (found.size() >= 2) return {LocalMapping::kAmbiguous, found.front(), found.back()};
  if (after <= before) return {LocalMapping::kGap, local - before, local - before};  // unreachable
  // Clocks jumped from `before` to `after` somewhere in [local - after, local - before]:
  // bisect for the transition instant.
  std::int64_t lo = local - after, hi = local - before;
  const std::int32_t new_offset = offset_at(hi);
  while (hi - lo > 1) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    (offset_at(mid) == new_offset ? hi : lo) = mid;
  }
  return {LocalMapping::kGap, hi, hi};
}

}  // namespace rotor::schedule
