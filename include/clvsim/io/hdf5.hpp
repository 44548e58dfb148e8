#pragma once

// A small typed layer over the HDF5 C API. This header is the only HDF5 interface the rest of
// clvsim sees: hdf5.h stays inside sim/io/hdf5.cpp, and handles are plain 64-bit ids here.
//
// Every failure throws clvsim::RuntimeError naming the file, the object and the innermost HDF5
// error description; HDF5's own error printing is switched off for the duration of each call.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace clvsim::h5 {

//! Element types a dataset can hold. Stored as the matching little-endian HDF5 type.
template <class T>
concept Element = std::same_as<T, double> || std::same_as<T, float> ||
    std::same_as<T, std::int64_t> || std::same_as<T, std::int32_t> ||
    std::same_as<T, std::uint64_t> || std::same_as<T, std::uint8_t>;

namespace detail {
//! Owns one HDF5 id (hid_t, a 64-bit integer) and closes it with the matching H5?close.
class Handle {
 public:
  using Closer = int (*)(std::int64_t);

  Handle() = default;
  Handle(std::int64_t id, Closer closer) noexcept : id_(id), closer_(closer) {}
  Handle(Handle&& other) noexcept;
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle();

  [[nodiscard]] std::int64_t get() const noexcept { return id_; }
  [[nodiscard]] bool valid() const noexcept { return id_ >= 0; }
  //! Close now; returns the HDF5 status (negative on failure). A no-op on an empty handle.
  int close() noexcept;

 private:
  std::int64_t id_ = -1;
  Closer closer_ = nullptr;
};

//! Owns a POSIX file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { close(); }
  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
  //! Close now; returns close(2)'s status. A no-op on an empty descriptor.
  int close() noexcept;

 private:
  int fd_ = -1;
};
}  // namespace detail

class File;

namespace detail {
struct Image;  // the bytes of a file being created, and its datasets written at close
}  // namespace detail

//! Produces the values of a dataset written when its file is closed: fills `out` with the
//! elements [first, first + out.size()) in row-major order.
using Producer = std::function<void(std::size_t first, std::span<double> out)>;

//! A string attribute written together with a new dataset (write(), write_later()): cheaper
//! than set_dataset_attr(), which opens the dataset again.
struct Attribute {
  std::string name;
  std::string value;
};
using Attributes = std::initializer_list<Attribute>;

//! For a program that ends soon after closing its last HDF5 file (the command line): HDF5 then
//! skips its clean-up at exit, which only frees memory the system reclaims anyway (about 0.5 ms
//! after writing a results file). Files still open at exit are not closed; a file being created
//! is written only by File::close(), so none is left half-written either way. Only effective
//! before the first other HDF5 call of the process.
void skip_cleanup_at_exit();

//! Switches HDF5's automatic error printing off for good in the calling thread. Every call of
//! this interface already silences it while it runs (and restores the caller's setting after),
//! which costs two HDF5 calls each time; a program that reports every error itself, as the
//! command line does, calls this once and saves them. HDF5 is not started by this call: the
//! setting takes effect at the thread's first call of this interface.
void never_print_errors();

//! Whether `path` is a readable HDF5 file (false for a missing file or one in another format).
[[nodiscard]] bool is_hdf5_file(const std::string& path);

//! An open HDF5 group. Movable, not copyable; the group is closed when the object goes away.
//!
//! Names may be paths relative to this group ("a/b"). Groups created here track link creation
//! order, so children() lists them in the order they were written.
class Group {
 public:
  Group(Group&&) noexcept = default;
  Group& operator=(Group&&) noexcept = default;
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;
  ~Group() = default;

  //! Create a child group with string attributes `attrs`. Throws if a link of that name
  //! already exists.
  Group create_group(const std::string& name, Attributes attrs = {});
  //! Open an existing child group.
  [[nodiscard]] Group open_group(const std::string& name) const;
  //! Whether a link (group or dataset) of that name exists; every path component is checked.
  [[nodiscard]] bool has(const std::string& name) const;
  //! Names of the direct children: creation order if the group tracks it, else alphabetical.
  [[nodiscard]] std::vector<std::string> children() const;

  //! Write a new dataset. `dims` defaults to {data.size()}; their product must equal
  //! data.size(). Contiguous, uncompressed, little-endian and without timestamps, so identical
  //! data gives identical bytes. Throws if the dataset already exists. `attrs` are string
  //! attributes of the new dataset.
  template <Element T>
  void write(const std::string& name, std::span<const T> data, std::vector<std::size_t> dims = {},
             Attributes attrs = {});
  //! Convenience overload so a std::vector deduces T.
  template <Element T>
  void write(const std::string& name, const std::vector<T>& data,
             std::vector<std::size_t> dims = {}, Attributes attrs = {}) {
    write<T>(name, std::span<const T>(data), std::move(dims), attrs);
  }
  //! Create a float64 dataset of shape `dims` whose values are written only when the file is
  //! closed, straight to disk in chunks from `produce`: neither the values nor the file are
  //! ever held whole in memory. The same bytes as write() with the same values. Only in files
  //! being created; `produce` must stay callable until File::close().
  void write_later(const std::string& name, std::vector<std::size_t> dims, Producer produce,
                   Attributes attrs = {});
  //! Write a 1-D dataset of variable-length UTF-8 strings. Strings may not contain NUL bytes.
  void write_strings(const std::string& name, const std::vector<std::string>& values);

  //! Read a whole dataset stored with exactly T's type (no silent conversions); row-major.
  //! If `dims` is given it receives the dataset's shape.
  template <Element T>
  [[nodiscard]] std::vector<T> read(const std::string& name,
                                    std::vector<std::size_t>* dims = nullptr) const;
  //! Read a 1-D dataset of strings (variable- or fixed-length).
  [[nodiscard]] std::vector<std::string> read_strings(const std::string& name) const;

  //! Scalar attributes on this group. Setting an existing attribute replaces it. Strings are
  //! variable-length UTF-8 of any length (whole TOML files are fine).
  void set_attr(const std::string& name, double v);
  void set_attr(const std::string& name, std::int64_t v);
  void set_attr(const std::string& name, std::uint64_t v);
  void set_attr(const std::string& name, const std::string& v);
  //! So that a string literal does not silently become a bool or pick the wrong overload.
  void set_attr(const std::string& name, const char* v) { set_attr(name, std::string(v)); }

  //! Scalar attributes on a dataset of this group.
  void set_dataset_attr(const std::string& dataset, const std::string& name, double v);
  void set_dataset_attr(const std::string& dataset, const std::string& name, const std::string& v);
  void set_dataset_attr(const std::string& dataset, const std::string& name, const char* v) {
    set_dataset_attr(dataset, name, std::string(v));
  }

  //! Read scalar attributes; the stored type must match (float64, int64, uint64, string).
  [[nodiscard]] double attr_double(const std::string& name) const;
  [[nodiscard]] std::int64_t attr_int(const std::string& name) const;
  [[nodiscard]] std::uint64_t attr_uint(const std::string& name) const;
  [[nodiscard]] std::string attr_string(const std::string& name) const;
  [[nodiscard]] bool has_attr(const std::string& name) const;
  [[nodiscard]] double dataset_attr_double(const std::string& dataset,
                                           const std::string& name) const;
  [[nodiscard]] std::string dataset_attr_string(const std::string& dataset,
                                                const std::string& name) const;

  //! Absolute path of this group inside its file, e.g. "/" or "/results".
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  friend class File;
  Group() = default;
  Group(detail::Handle handle, std::string file, std::string path,
        std::shared_ptr<detail::Image> image)
      : handle_(std::move(handle)),
        file_(std::move(file)),
        path_(std::move(path)),
        image_(std::move(image)) {}

  [[nodiscard]] std::string object_path(const std::string& name) const;

  detail::Handle handle_;
  std::string file_;  // for error messages
  std::string path_;
  std::shared_ptr<detail::Image> image_;  // null in a file opened for reading
};

//! An HDF5 file. Create truncates an existing file; ReadOnly opens one.
//!
//! A created file is built in memory and written to its path with plain writes only by close():
//! destroyed without close() -- after an exception -- it writes nothing, and a failing write (a
//! full disk) is an ordinary RuntimeError that leaves HDF5 in a sound state. HDF5 sees a
//! memory-only file driver that keeps just the bytes it writes (the structure and the small
//! datasets); the datasets of write_later() are only reserved in it and reach the disk from
//! their producers after the rest, so memory stays small whatever their size.
//!
//! Closing the file (close() or the destructor) closes every object opened from it, so a Group
//! that outlives its File throws on use instead of keeping the file open behind your back.
class File {
 public:
  enum class Mode { Create, ReadOnly };

  File(const std::string& path, Mode mode);
  File(File&&) noexcept = default;
  File& operator=(File&&) noexcept = default;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  //! Closes quietly, writing nothing for a created file; call close() to write and see errors.
  ~File() = default;

  //! The root group "/". Throws if the file has been closed.
  Group& root();
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  //! Flush and close, throwing RuntimeError on failure. A no-op if already closed.
  void close();

 private:
  std::string path_;
  Mode mode_;
  detail::Fd fd_;  // the target of a created file, written by close()
  std::shared_ptr<detail::Image> image_;  // declared before file_: HDF5's driver writes into it
  detail::Handle file_;
  Group root_;  // declared after file_, so destroyed before it
};

}  // namespace clvsim::h5
