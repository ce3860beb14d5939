"""Look-up tables of docs/spec.md, and the threshold search's M0 table derived from
SIGMOID_LUT, generated here and nowhere else.

The C++ and SystemVerilog headers are written from these arrays by
`neuropynq.codegen`; nothing is typed by hand.
"""
from __future__ import annotations

import numpy as np

EXP2_LUT_SIZE = 1024     # 2^(-i/1024), i = 0..1023, UQ1.23
SIGMOID_LUT_SIZE = 1024  # sigma over [-8, 8) in 1/64 steps, UQ0.24
SIGMOID_STEPS_PER_UNIT = 64
TAU_MAX = 255
LOG2M_LUT_SIZE = 256     # log2 of a mantissa 1 + (m + 0.5)/256, m = 0..255, UQ0.16
# The bm threshold search's buckets (hw/rtl/bm_threshold_search.sv, bm_fire_count in
# hls/src/bm_sampler.cpp): x's code as a small floating-point number, an exponent field
# (0 below 2^BUCKET_E0) and the BUCKET_MANT bits after the leading one.
BUCKET_MANT = 7
BUCKET_E0 = 13
BUCKET_CODES = 11 << BUCKET_MANT   # codes of y < 2^23: exponent fields 0..10
BUCKET_KEYS = 4096                 # {h, code}: 12 bits


def _exp2_lut() -> np.ndarray:
    i = np.arange(EXP2_LUT_SIZE, dtype=np.float64)
    return np.rint((1 << 23) * np.exp2(-i / EXP2_LUT_SIZE)).astype(np.int64)


def _sigmoid_lut() -> np.ndarray:
    i = np.arange(SIGMOID_LUT_SIZE, dtype=np.float64)
    x = (i - SIGMOID_LUT_SIZE // 2 + 0.5) / SIGMOID_STEPS_PER_UNIT
    return np.rint((1 << 24) / (1.0 + np.exp(-x))).astype(np.int64)


def _lntau_lut() -> np.ndarray:
    tau = np.arange(TAU_MAX + 1, dtype=np.float64)
    out = np.zeros(TAU_MAX + 1, dtype=np.int64)
    out[1:] = np.rint(1024 * np.log(tau[1:]))
    return out


def _log2m_lut() -> np.ndarray:
    m = np.arange(LOG2M_LUT_SIZE, dtype=np.float64)
    return np.rint((1 << 16) * np.log2(1.0 + (m + 0.5) / LOG2M_LUT_SIZE)).astype(np.int64)


def bucket_key(x: np.ndarray) -> np.ndarray:
    """The threshold search's key of each 24-bit x (non-decreasing in x): {0, code of x}
    below 2^23, {1, ~code of y} above, y = 2^24 - 1 - x (the buckets mirror those below)."""
    x = np.asarray(x, dtype=np.int64)
    half = x >> 23
    y = np.where(half == 1, (1 << 24) - 1 - x, x)
    e = np.zeros_like(y)
    for bit in range(BUCKET_E0, 23):
        e = np.where((y >> bit) & 1 == 1, bit, e)
    field = np.where(e >= BUCKET_E0, e - BUCKET_E0 + 1, 0)
    shift = np.where(field == 0, BUCKET_E0 - BUCKET_MANT, field + BUCKET_E0 - 1 - BUCKET_MANT)
    code = (field << BUCKET_MANT) | ((y >> shift) & ((1 << BUCKET_MANT) - 1))
    return np.where(half == 1, BUCKET_KEYS - 1 - code, code)


def _code_floor(code: np.ndarray) -> np.ndarray:
    """The least y of each code (BUCKET_CODES itself gives 2^23)."""
    field, mant = code >> BUCKET_MANT, code & ((1 << BUCKET_MANT) - 1)
    return np.where(field == 0, mant << (BUCKET_E0 - BUCKET_MANT),
                    ((1 << BUCKET_MANT) + mant) << (field + BUCKET_E0 - 1 - BUCKET_MANT))


def _m0_lut(sigmoid: np.ndarray) -> np.ndarray:
    """M0[key]: m0 - 512 h, m0 = #{i : SIGMOID[i] <= x} at the least x of the key's
    bucket, h = x >> 23, with 512 stored as 511 (9 bits; unused keys 0). No bucket holds
    more than one SIGMOID entry, so m = {h, M0[key]} + [SIGMOID[{h, M0[key]}] <= x]:
    a bucket whose m0 is 512 h + 512 has SIGMOID[512 h + 511] <= x throughout, so the
    compare adds back the one taken off (tests/rtl/bm_threshold checks all 2^24 x)."""
    key = np.arange(BUCKET_KEYS, dtype=np.int64)
    half = key >= BUCKET_KEYS // 2
    used = (key < BUCKET_CODES) | (key >= BUCKET_KEYS - BUCKET_CODES)
    least = np.where(half, (1 << 24) - _code_floor(BUCKET_KEYS - key), _code_floor(key))
    m0 = np.searchsorted(sigmoid, least, side="right") - SIGMOID_LUT_SIZE // 2 * half
    m0 = np.where(m0 == SIGMOID_LUT_SIZE // 2, m0 - 1, m0)
    return np.where(used, m0, 0).astype(np.int64)


EXP2_LUT = _exp2_lut()
SIGMOID_LUT = _sigmoid_lut()
LNTAU_LUT = _lntau_lut()
LOG2M_LUT = _log2m_lut()
M0_LUT = _m0_lut(SIGMOID_LUT)
for _lut in (EXP2_LUT, SIGMOID_LUT, LNTAU_LUT, LOG2M_LUT, M0_LUT):
    _lut.setflags(write=False)
