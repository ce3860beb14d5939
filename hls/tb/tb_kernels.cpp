// C simulation testbench: runs every golden vector in a directory through the
// kernels and compares the output frame word for word (and its TLAST, the STATUS
// register and the number of input words consumed) with the Python reference.
//
// Golden file format (written by hls/tb/make_golden.py), whitespace separated:
//   kernel  bn|bm
//   in      <n>  then n pairs "<word> <tlast>"
//   out     <m>  then m words
// Files named *.p<P>.*.golden are only for the build with NPQ_LANES = P, and so on for
// .n<N> (NPQ_BM_N_MAX), .t<T> (NPQ_BN_TABLE_MAX) and .s<S> (NPQ_BM_SPARSE_N_MAX): INFO
// answers, and RUN_SPARSE frames (.s1024, the spec's sparse limits; .s0, a build
// without a sparse engine).
// With -DNPQ_TB_ONLY_BN or -DNPQ_TB_ONLY_BM only that kernel's cases run.
#include <dirent.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "npq_config.h"
#include "npq_kernels.h"

struct Golden {
    std::string kernel;
    std::vector<uint32_t> in;
    std::vector<uint32_t> in_last;
    std::vector<uint32_t> out;
};

static bool read_golden(const std::string& path, Golden& g) {
    std::ifstream f(path.c_str());
    std::string tag;
    size_t n = 0;
    if (!(f >> tag >> g.kernel) || tag != "kernel") return false;
    if (!(f >> tag >> n) || tag != "in") return false;
    g.in.resize(n);
    g.in_last.resize(n);
    for (size_t i = 0; i < n; ++i)
        if (!(f >> g.in[i] >> g.in_last[i])) return false;
    if (!(f >> tag >> n) || tag != "out") return false;
    g.out.resize(n);
    for (size_t i = 0; i < n; ++i)
        if (!(f >> g.out[i])) return false;
    return true;
}

// Name tokens ".p<P>", ".n<N_MAX>", ".t<TABLE_MAX>" and ".s<SPARSE_N_MAX>" mark cases for
// one build only.
static bool for_this_build(const std::string& name) {
    size_t at = 0;
    while ((at = name.find('.', at)) != std::string::npos) {
        ++at;
        const size_t end = name.find('.', at);
        if (end == std::string::npos) break;
        const std::string token = name.substr(at, end - at);
        if (token.size() > 1 && token[0] == 'p' && token.substr(1) != std::to_string(NPQ_LANES)) return false;
        if (token.size() > 1 && token[0] == 'n' && token.substr(1) != std::to_string(NPQ_BM_N_MAX)) return false;
        if (token.size() > 1 && token[0] == 't' && token.substr(1) != std::to_string(NPQ_BN_TABLE_MAX)) return false;
        if (token.size() > 1 && token[0] == 's' && token.substr(1) != std::to_string(NPQ_BM_SPARSE_N_MAX)) return false;
    }
    return true;
}

// Vitis builds one kernel per project; its testbench runs only that kernel's cases.
static bool kernel_in_build(const std::string& kernel) {
#if defined(NPQ_TB_ONLY_BN)
    return kernel == "bn";
#elif defined(NPQ_TB_ONLY_BM)
    return kernel == "bm";
#else
    return kernel == "bn" || kernel == "bm";
#endif
}

static void run_kernel(const std::string& kernel, hls::stream<axis32_t>& in, hls::stream<axis32_t>& out,
                       uint32_t* status) {
#ifndef NPQ_TB_ONLY_BN
    if (kernel == "bm") bm_sampler(in, out, status);
#endif
#ifndef NPQ_TB_ONLY_BM
    if (kernel == "bn") bn_sampler(in, out, status);
#endif
}

// Empty string on a match, else what differs.
static std::string run_case(const Golden& g) {
    hls::stream<axis32_t> in, out;
    size_t frame_end = g.in.size();
    for (size_t i = 0; i < g.in.size(); ++i) {
        axis32_t w;
        w.data = g.in[i];
        w.last = g.in_last[i];
        in.write(w);
        if (g.in_last[i] && frame_end == g.in.size()) frame_end = i + 1;
    }
    uint32_t status = 0xFFFFFFFFu;
    char msg[256];
#ifdef NPQ_HLS_STREAM_SHIM
    try {
#endif
        run_kernel(g.kernel, in, out, &status);
#ifdef NPQ_HLS_STREAM_SHIM
    } catch (const hls::stream_underflow&) {
        return "the kernel read past the input's last TLAST";
    }
#endif
    if (in.size() != g.in.size() - frame_end) {
        snprintf(msg, sizeof msg, "consumed %zu input words, the frame has %zu",
                 g.in.size() - in.size(), frame_end);
        return msg;
    }
    std::vector<uint32_t> got, got_last;
    while (!out.empty()) {
        const axis32_t w = out.read();
        got.push_back((uint32_t)w.data);
        got_last.push_back((uint32_t)w.last);
    }
    const size_t n = std::min(got.size(), g.out.size());
    for (size_t i = 0; i < n; ++i) {
        if (got[i] != g.out[i]) {
            snprintf(msg, sizeof msg, "word %zu: got 0x%08x, expected 0x%08x", i, got[i], g.out[i]);
            return msg;
        }
        if (got_last[i] != (i + 1 == g.out.size() ? 1u : 0u)) {
            snprintf(msg, sizeof msg, "word %zu: TLAST %u", i, got_last[i]);
            return msg;
        }
    }
    if (got.size() != g.out.size()) {
        snprintf(msg, sizeof msg, "output has %zu words, expected %zu", got.size(), g.out.size());
        return msg;
    }
    if (status != g.out[1]) {
        snprintf(msg, sizeof msg, "STATUS register %u, frame status %u", status, g.out[1]);
        return msg;
    }
    return "";
}

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s GOLDEN_DIR\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    DIR* d = opendir(dir.c_str());
    if (!d) {
        fprintf(stderr, "cannot open %s\n", dir.c_str());
        return 2;
    }
    std::vector<std::string> names;
    while (dirent* e = readdir(d)) {
        const std::string name = e->d_name;
        if (name.size() > 7 && name.compare(name.size() - 7, 7, ".golden") == 0 && for_this_build(name))
            names.push_back(name);
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    int failed = 0, run = 0;
    for (size_t i = 0; i < names.size(); ++i) {
        Golden g;
        std::string result;
        if (!read_golden(dir + "/" + names[i], g)) {
            result = "unreadable golden file";
        } else if (!kernel_in_build(g.kernel)) {
            continue;
        } else {
            result = run_case(g);
        }
        ++run;
        if (result.empty()) {
            printf("PASS %s\n", names[i].c_str());
        } else {
            printf("FAIL %s: %s\n", names[i].c_str(), result.c_str());
            ++failed;
        }
    }
    printf("%d cases, %d failed (P = %d, N_MAX = %d)\n", run, failed, NPQ_LANES, NPQ_BM_N_MAX);
    return run == 0 || failed ? 1 : 0;
}
