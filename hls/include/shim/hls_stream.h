// Minimal stand-in for Vitis HLS's hls_stream.h, used only when compiling the
// kernels natively with g++ (C simulation and the cpu backend). Under Vitis the
// real header is found first and this directory is not on the include path.
#ifndef NPQ_SHIM_HLS_STREAM_H
#define NPQ_SHIM_HLS_STREAM_H

#include <deque>
#include <stdexcept>

#define NPQ_HLS_STREAM_SHIM 1

namespace hls {

// Reading an empty stream would hang the hardware; natively it is an error the
// caller can report (an input frame that never carries TLAST).
struct stream_underflow : std::runtime_error {
    stream_underflow() : std::runtime_error("read from an empty hls::stream") {}
};

template <typename T>
class stream {
public:
    void write(const T& value) { fifo_.push_back(value); }
    T read() {
        if (fifo_.empty()) throw stream_underflow();
        T value = fifo_.front();
        fifo_.pop_front();
        return value;
    }
    bool empty() const { return fifo_.empty(); }
    size_t size() const { return fifo_.size(); }

private:
    std::deque<T> fifo_;
};

}  // namespace hls

#endif
