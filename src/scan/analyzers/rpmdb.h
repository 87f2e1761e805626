// Readers of the three rpm database containers, reduced to one job: find the
// RPM header blobs inside a database file held in memory.
//
// Each reader walks untrusted bytes: it never reads outside `content`, never
// throws, and does work linear in content.size() whatever the bytes say
// (cyclic or shared page chains and overlapping blobs are detected and cut).
// A problem is reported through Sinks::warn and reading goes on with the next
// record when that is possible, so a damaged database still yields the
// packages that survive. The blobs handed to Sinks::blob are not validated as
// RPM headers; that is the caller's job (rpm.cpp does it with librpm).
//
// Internal to the rpm analyzer; not a public scan API.
#pragma once
#include <functional>
#include <string>
#include <string_view>

namespace portcullis::scan::rpmdb {

struct Sinks {
  // One header blob; the view is valid only for the duration of the call.
  std::function<void(std::string_view blob)> blob;
  // One problem with the database, as a short human-readable sentence.
  std::function<void(std::string message)> warn;
};

enum class Format { unknown, sqlite, bdb_hash, ndb };

// Which container `content` is, from its magic numbers (never from the name:
// "Packages" is BDB on old systems and may be anything on a hostile one).
Format sniff(std::string_view content);

// SQLite (rpm >= 4.16 default): table Packages(hnum, blob).   rpmdb_sqlite.cpp
void read_sqlite(std::string_view content, const Sinks& sinks);
// Berkeley DB hash file, either byte order (rpm <= 4.15).      rpmdb_bdb.cpp
void read_bdb_hash(std::string_view content, const Sinks& sinks);
// rpm's own "ndb" Packages.db (SUSE).                          rpmdb_ndb.cpp
void read_ndb(std::string_view content, const Sinks& sinks);

}  // namespace portcullis::scan::rpmdb
