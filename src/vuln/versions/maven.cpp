// Maven's ComparableVersion (maven-artifact 4 / 3.9 semantics, including
// "combination" items such as `a1`, where a/b/m alias alpha/beta/milestone
// only when a digit follows). Every string is a valid Maven version; like
// Maven 4 we refuse strings longer than 256 characters, which also bounds the
// list nesting (one level per `-`) and so the recursion below.
#include <memory>
#include <string>
#include <vector>

#include "vuln/version_scheme.h"
#include "vuln/versions/version_util.h"

namespace portcullis::vuln {
namespace {

constexpr std::size_t kMaxLength = 256;

enum class Kind { Number, String, Combination, List };

struct Item {
  Kind kind;
  std::string text;                          // digits (Number) or qualifier (String)
  std::unique_ptr<Item> str, num;            // Combination parts
  std::vector<std::unique_ptr<Item>> items;  // List
};
using Ptr = std::unique_ptr<Item>;

Ptr number(std::string_view digits) {
  while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
  auto it = std::make_unique<Item>();
  it->kind = Kind::Number;
  it->text = digits.empty() ? "0" : std::string(digits);
  return it;
}

Ptr string_item(std::string v, bool followed_by_digit) {
  if (followed_by_digit && v.size() == 1) {
    if (v == "a") v = "alpha";
    else if (v == "b") v = "beta";
    else if (v == "m") v = "milestone";
  }
  if (v == "cr") v = "rc";
  auto it = std::make_unique<Item>();
  it->kind = Kind::String;
  it->text = std::move(v);
  return it;
}

Ptr parse_item(bool combination, bool digit, std::string buf) {
  if (combination) {
    std::string v;
    for (char c : buf)
      if (c != '-') v += c;
    std::size_t idx = 0;
    for (std::size_t i = 0; i < v.size(); ++i)
      if (detail::is_digit(v[i])) { idx = i; break; }
    auto it = std::make_unique<Item>();
    it->kind = Kind::Combination;
    it->str = string_item(v.substr(0, idx), true);
    it->num = number(v.substr(idx));
    return it;
  }
  if (digit) return number(buf);
  return string_item(std::move(buf), false);
}

bool is_null(const Item& i) {
  switch (i.kind) {
    case Kind::Number: return i.text == "0";
    case Kind::String: return i.text.empty();
    case Kind::Combination: return false;
    case Kind::List: return i.items.empty();
  }
  return false;
}

// Known qualifiers by rank; unknown ones after all of them, lexically.
std::string comparable_qualifier(const std::string& q) {
  static const char* const kOrder[] = {"alpha", "beta", "milestone", "rc", "snapshot", "", "sp"};
  if (q == "ga" || q == "final" || q == "release") return "5";
  for (int i = 0; i < 7; ++i)
    if (q == kOrder[i]) return std::to_string(i);
  return "7-" + q;
}

int cmp(const Item* a, const Item* b);

int cmp_string(const Item& a, const Item* b) {
  if (!b) return detail::sign(comparable_qualifier(a.text).compare("5"));
  switch (b->kind) {
    case Kind::Number: return -1;
    case Kind::String:
      return detail::sign(comparable_qualifier(a.text).compare(comparable_qualifier(b->text)));
    case Kind::Combination: {
      int r = cmp_string(a, b->str.get());
      if (r != 0) return r;
      return cmp_string(a, nullptr) == 0 ? -cmp(b->num.get(), nullptr) : -1;
    }
    case Kind::List: return -cmp(b, &a);
  }
  return 0;
}

int cmp(const Item* a, const Item* b) {
  switch (a->kind) {
    case Kind::Number:
      if (!b) return is_null(*a) ? 0 : 1;
      if (b->kind == Kind::Number) return detail::compare_digits(a->text, b->text);
      return 1;  // 1.1 > 1-sp, 1.1 > 1-1
    case Kind::String:
      return cmp_string(*a, b);
    case Kind::Combination: {
      if (!b) {
        int r = cmp(a->str.get(), nullptr);
        return r == 0 ? cmp(a->num.get(), nullptr) : r;  // 1-ga1 > 1
      }
      switch (b->kind) {
        case Kind::Number: return -1;
        case Kind::String: {
          int r = cmp(a->str.get(), b);
          if (r != 0) return r;
          return cmp(a->str.get(), nullptr) == 0 ? cmp(a->num.get(), nullptr) : 1;  // X1 > X
        }
        case Kind::List: return -cmp(b, a);
        case Kind::Combination: {
          int r = cmp(a->str.get(), b->str.get());
          return r != 0 ? r : cmp(a->num.get(), b->num.get());
        }
      }
      return 0;
    }
    case Kind::List: {
      const auto& l = a->items;
      if (!b) {
        for (const auto& i : l)
          if (int r = cmp(i.get(), nullptr)) return r;
        return 0;
      }
      switch (b->kind) {
        case Kind::Number: return -1;  // 1-1 < 1.0.x
        case Kind::String:
        case Kind::Combination: {
          int r = l.empty() ? -cmp(b, nullptr) : cmp(l[0].get(), b);
          for (std::size_t i = 1; r == 0 && i < l.size(); ++i) r = cmp(l[i].get(), nullptr);
          return r;
        }
        case Kind::List: {
          const auto& m = b->items;
          for (std::size_t i = 0; i < l.size() || i < m.size(); ++i) {
            const Item* x = i < l.size() ? l[i].get() : nullptr;
            const Item* y = i < m.size() ? m[i].get() : nullptr;
            int r = !x ? (!y ? 0 : -cmp(y, nullptr)) : cmp(x, y);
            if (r != 0) return r;
          }
          return 0;
        }
      }
    }
  }
  return 0;
}

// Drops trailing "null" items (0, "", empty lists) the way Maven does, so
// 1.0 == 1 and 1-0 == 1, then unwraps a list left holding one list.
void normalize(Item& list) {
  auto& v = list.items;
  for (std::size_t n = v.size(); n-- > 0;) {
    if (n >= v.size() || !is_null(*v[n])) continue;
    bool last = n + 1 == v.size();
    if (last || v[n + 1]->kind == Kind::String) {
      v.erase(v.begin() + n);
    } else if (v[n + 1]->kind == Kind::List && !v[n + 1]->items.empty()) {
      Kind k = v[n + 1]->items[0]->kind;
      if (k == Kind::Combination || k == Kind::String) v.erase(v.begin() + n);
    }
  }
  if (v.size() == 1 && v[0]->kind == Kind::List) {
    auto inner = std::move(v[0]->items);
    v = std::move(inner);
  }
}

std::optional<Ptr> parse(std::string_view in) {
  if (in.size() > kMaxLength) return std::nullopt;
  std::string version;
  for (char c : in) version += detail::lower(c);
  auto root = std::make_unique<Item>();
  root->kind = Kind::List;
  Item* list = root.get();
  std::vector<Item*> stack{list};
  auto push_list = [&] {
    auto sub = std::make_unique<Item>();
    sub->kind = Kind::List;
    Item* raw = sub.get();
    list->items.push_back(std::move(sub));
    list = raw;
    stack.push_back(raw);
  };
  bool is_digit = false, combination = false;
  std::size_t start = 0;
  const std::size_t n = version.size();
  for (std::size_t i = 0; i < n; ++i) {
    char c = version[i];
    if (c == '.') {
      if (i == start) list->items.push_back(number("0"));
      else list->items.push_back(parse_item(combination, is_digit, version.substr(start, i - start)));
      combination = false;
      start = i + 1;
    } else if (c == '-') {
      if (i == start) {
        list->items.push_back(number("0"));
      } else {
        // X-1 is read as X1.
        if (!is_digit && i != n - 1 && detail::is_digit(version[i + 1])) {
          combination = true;
          continue;
        }
        list->items.push_back(parse_item(combination, is_digit, version.substr(start, i - start)));
      }
      start = i + 1;
      if (!list->items.empty()) push_list();
      combination = false;
    } else if (detail::is_digit(c)) {
      if (!is_digit && i > start) {
        combination = true;  // X1
        if (!list->items.empty()) push_list();
      }
      is_digit = true;
    } else {
      if (is_digit && i > start) {
        list->items.push_back(parse_item(combination, true, version.substr(start, i - start)));
        start = i;
        push_list();
        combination = false;
      }
      is_digit = false;
    }
  }
  if (n > start) {
    // 1.0.0.X1 < 1.0.0-X2: a trailing qualifier after '.' acts like one after '-'.
    if (!is_digit && !list->items.empty()) push_list();
    list->items.push_back(parse_item(combination, is_digit, version.substr(start)));
  }
  while (!stack.empty()) {
    normalize(*stack.back());
    stack.pop_back();
  }
  return root;
}

class MavenScheme final : public VersionScheme {
 public:
  std::string_view name() const override { return "maven"; }
  bool valid(std::string_view v) const override { return v.size() <= kMaxLength; }
  std::optional<int> compare(std::string_view a, std::string_view b) const override {
    auto x = parse(a), y = parse(b);
    if (!x || !y) return std::nullopt;
    return cmp(x->get(), y->get());
  }
};

}  // namespace

const VersionScheme& maven_scheme() {
  static const MavenScheme s;
  return s;
}

}  // namespace portcullis::vuln
